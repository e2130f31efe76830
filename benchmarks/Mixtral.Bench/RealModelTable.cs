using Mixtral.Model.Config;
using System.Text;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Inference;
using static Mixtral.Bench.DecodeReport;

namespace Mixtral.Bench;

/// <summary>
/// The report's per-node table at the real Mixtral-8x7B dimensions: bytes from the tensor-name table (the experts in each
/// format, the shared weights in bf16), speed from steps measured on one real-size layer and scaled to 32 layers.
/// </summary>
public static class RealModelTable
{
    private static readonly int[] NodeCounts = [1, 2, 4, 8];

    public static void Render(StringBuilder md, RealLayerResults real, int threads)
    {
        var c = real.Config;
        int layers = RealLayerResults.RealLayers;
        long expertParams = TensorNames.ExpertTensors(c, 0, 0).Sum(s => s.Elements) * c.NumLocalExperts * layers;
        long sharedBytes = SharedBf16Bytes(c, layers);
        md.Append("## Per node at the real Mixtral-8x7B dimensions\n\n");
        md.Append($"Measured on `{real.ModelPath}` (one layer of hidden {c.HiddenSize}, intermediate {c.IntermediateSize}, {c.NumLocalExperts} experts, vocab {c.VocabSize}), {threads} threads, in this run; " +
                  $"a {layers}-layer step is estimated as {layers} × (the measured step − LM head − sampling) + LM head + sampling. " +
                  $"Bytes: the {layers} × {c.NumLocalExperts} experts ({expertParams / 1e9:F1} B parameters) in each format, split evenly over the expert nodes; " +
                  $"the shared weights (attention, routers, LM head in bf16, embeddings and norms in float32: {sharedBytes / 1e9:F2} GB) on the coordinator.\n\n");
        md.Append("| Experts kept as | GB of experts, whole model |").AppendJoin("", NodeCounts.Select(n => $" GB per node, {n} expert node{(n > 1 ? "s" : "")} |"))
          .Append(" expert ms per token, 32 layers (batch 1) | one machine holding it all: batch-1 tokens/s | batch-8 tokens/s (aggregate) |\n");
        md.Append("|---|---:|").AppendJoin("", NodeCounts.Select(_ => "---:|")).Append("---:|---:|---:|\n");
        foreach (var v in real.Variants)
        {
            double perWeight = v.Variant.Quantized ? v.Variant.Options.ExpertFormat.BytesPerWeight() : 2;
            double expertsGB = expertParams * perWeight / 1e9;
            md.Append($"| {v.Variant.Name} | {F(expertsGB)} |").AppendJoin("", NodeCounts.Select(n => $" {F(expertsGB / n)} |"))
              .Append($" {F(RealLayerVariant.ExpertMs(v.Batch1))} | {F(1000 / RealLayerVariant.ModelStepMs(v.Batch1), "F2")} | " +
                      $"{F(1000 * v.BatchN.Sequences / RealLayerVariant.ModelStepMs(v.BatchN), "F2")} |\n");
        }
        md.Append("\nA 24 GB node holds its share with room for activations when the share is under about 20 GB: bf16 experts need five such expert nodes, " +
                  "int8 three, q4 two. Speeds are for one machine doing everything; in the cluster each step's expert work is spread over the expert nodes " +
                  "(2 of 8 experts per layer at batch 1), so a node's share of the expert time falls with the number of nodes.\n\n");
    }

    /// <summary>The coordinator's weights: matrices in bf16, the embedding table and the norms in float32 (as loaded with --weights bf16/int8/q4).</summary>
    private static long SharedBf16Bytes(Mixtral.Model.Config.MixtralConfig c, int layers)
    {
        long d = c.HiddenSize;
        long attention = (2L * c.QueryWidth * d + 2L * c.KeyValueWidth * d) * 2;
        long router = c.NumLocalExperts * d * 2;
        long norms = 2 * d * 4;
        return layers * (attention + router + norms) + (long)c.VocabSize * d * (4 + 2) + d * 4;
    }
}
