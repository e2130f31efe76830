using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Experts;

/// <summary>Every expert of every layer in this process: the single-process engine's expert runner.</summary>
public sealed class LocalExpertBackend(ExpertWeights[][] experts) : IExpertBackend // [layer][expert]
{
    public long ResidentBytes => experts.Sum(layer => layer.Sum(e => e.ResidentBytes));

    public ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
    {
        var outputs = new Tensor[batches.Count];
        for (int i = 0; i < batches.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outputs[i] = experts[layer][batches[i].Expert].Forward(batches[i].Rows);
        }
        return ValueTask.FromResult(outputs);
    }

    public static LocalExpertBackend Load(WeightLoader loader, MixtralConfig config, ExpertWeightFormat format = ExpertWeightFormat.Dense, string? quantizedCache = null)
    {
        var experts = new ExpertWeights[config.NumHiddenLayers][];
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            experts[l] = new ExpertWeights[config.NumLocalExperts];
            for (int e = 0; e < config.NumLocalExperts; e++)
                experts[l][e] = ExpertWeights.Load(loader, config, l, e, format, quantizedCache);
        }
        return new LocalExpertBackend(experts);
    }

    public void Dispose()
    {
        foreach (var layer in experts)
            foreach (var expert in layer) expert.Dispose();
    }
}
