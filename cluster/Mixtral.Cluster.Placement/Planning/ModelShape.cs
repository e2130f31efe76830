using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// What a strategy needs to know about the model, as plain numbers: the plan's identity, the grid of experts, and
/// the bytes one expert copy and the shared part take (in the dtype the nodes hold). Made from a config only at the
/// edge (<see cref="From"/>), so strategies never see the model library.
/// </summary>
public sealed record ModelShape(ModelIdentity Identity, int Layers, int Experts, int ExpertsPerToken, long BytesPerExpert, long SharedBytes)
{
    public static ModelShape From(MixtralConfig config, Precision dtype)
    {
        var sizing = new ModelSizing(config, dtype);
        return new ModelShape(ModelFingerprint.Identify(config), config.NumHiddenLayers, config.NumLocalExperts,
            config.NumExpertsPerTok, sizing.BytesPerExpert, sizing.SharedBytes);
    }
}
