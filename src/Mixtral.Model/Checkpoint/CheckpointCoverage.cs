using System.Globalization;
using Mixtral.Model.Config;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// The checkpoint must not hold more model than config.json declares. Loading reads only the tensors the config
/// names, so a config.json saying 2 layers over a 4-layer checkpoint would otherwise run a silently truncated model.
/// A tensor of a layer or an expert beyond the config is refused, naming the tensor and the config field. (Tensors
/// that are missing are refused when they are loaded.)
/// </summary>
public static class CheckpointCoverage
{
    private const string LayerPrefix = "model.layers.";
    private const string ExpertInfix = ".block_sparse_moe.experts.";

    /// <summary>Throws a <see cref="ModelFormatException"/> for the first tensor outside the config's layers or experts.</summary>
    public static void Check(IEnumerable<string> tensorNames, MixtralConfig config, string source)
    {
        foreach (string name in tensorNames.Order(StringComparer.Ordinal))
        {
            if (!name.StartsWith(LayerPrefix, StringComparison.Ordinal)) continue;
            if (LeadingIndex(name, LayerPrefix.Length) is int layer && layer >= config.NumHiddenLayers)
                throw new ModelFormatException(
                    $"{source}: the checkpoint has tensor '{name}' of layer {layer}, but config.json's num_hidden_layers is " +
                    $"{config.NumHiddenLayers} (layers 0-{config.NumHiddenLayers - 1}); the config does not describe this checkpoint");
            int experts = name.IndexOf(ExpertInfix, StringComparison.Ordinal);
            if (experts >= 0 && LeadingIndex(name, experts + ExpertInfix.Length) is int expert && expert >= config.NumLocalExperts)
                throw new ModelFormatException(
                    $"{source}: the checkpoint has tensor '{name}' of expert {expert}, but config.json's num_local_experts is " +
                    $"{config.NumLocalExperts} (experts 0-{config.NumLocalExperts - 1}); the config does not describe this checkpoint");
        }
    }

    /// <summary>The decimal number at <paramref name="start"/> up to the next '.', or null when there is none.</summary>
    private static int? LeadingIndex(string name, int start)
    {
        int end = name.IndexOf('.', start);
        var digits = name.AsSpan(start, (end < 0 ? name.Length : end) - start);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? index : null;
    }
}
