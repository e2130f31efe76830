
namespace Mixtral.Model.Config;

/// <summary>The three matrices of one SwiGLU expert: Expert(x) = W2(silu(W1 x) ⊙ W3 x).</summary>
public enum ExpertMatrix { W1, W2, W3 }

/// <summary>
/// The one table from model parts to Hugging Face tensor names and shapes. Loading goes through it per
/// tensor, so a node reads exactly the tensors it owns and a shape mismatch names the tensor.
/// Shapes are PyTorch's Linear layout: [out_features, in_features].
/// </summary>
public static class TensorNames
{
    public const string Embeddings = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    public static string Layer(int layer) => $"model.layers.{layer}";
    public static string InputNorm(int layer) => $"{Layer(layer)}.input_layernorm.weight";
    public static string PostAttentionNorm(int layer) => $"{Layer(layer)}.post_attention_layernorm.weight";
    public static string QProj(int layer) => $"{Layer(layer)}.self_attn.q_proj.weight";
    public static string KProj(int layer) => $"{Layer(layer)}.self_attn.k_proj.weight";
    public static string VProj(int layer) => $"{Layer(layer)}.self_attn.v_proj.weight";
    public static string OProj(int layer) => $"{Layer(layer)}.self_attn.o_proj.weight";
    public static string Router(int layer) => $"{Layer(layer)}.block_sparse_moe.gate.weight";

    public static string Expert(int layer, int expert, ExpertMatrix matrix) =>
        $"{Layer(layer)}.block_sparse_moe.experts.{expert}.{matrix.ToString().ToLowerInvariant()}.weight";

    public static long[] ExpertShape(MixtralConfig c, ExpertMatrix matrix) => matrix switch
    {
        ExpertMatrix.W1 or ExpertMatrix.W3 => [c.IntermediateSize, c.HiddenSize],
        ExpertMatrix.W2 => [c.HiddenSize, c.IntermediateSize],
        _ => throw new ArgumentOutOfRangeException(nameof(matrix)),
    };

    /// <summary>The tensors of one expert of one layer: what an expert node loads for it.</summary>
    public static IEnumerable<TensorSpec> ExpertTensors(MixtralConfig c, int layer, int expert) =>
        Enum.GetValues<ExpertMatrix>().Select(m => new TensorSpec(Expert(layer, expert, m), ExpertShape(c, m)));

    /// <summary>Everything but the experts: what the coordinator loads (embeddings, attention, routers, norms, LM head).</summary>
    public static IEnumerable<TensorSpec> SharedTensors(MixtralConfig c)
    {
        yield return new TensorSpec(Embeddings, [c.VocabSize, c.HiddenSize]);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            yield return new TensorSpec(InputNorm(l), [c.HiddenSize]);
            yield return new TensorSpec(QProj(l), [c.QueryWidth, c.HiddenSize]);
            yield return new TensorSpec(KProj(l), [c.KeyValueWidth, c.HiddenSize]);
            yield return new TensorSpec(VProj(l), [c.KeyValueWidth, c.HiddenSize]);
            yield return new TensorSpec(OProj(l), [c.HiddenSize, c.QueryWidth]);
            yield return new TensorSpec(PostAttentionNorm(l), [c.HiddenSize]);
            yield return new TensorSpec(Router(l), [c.NumLocalExperts, c.HiddenSize]);
        }
        yield return new TensorSpec(FinalNorm, [c.HiddenSize]);
        if (!c.TieWordEmbeddings)
            yield return new TensorSpec(LmHead, [c.VocabSize, c.HiddenSize]);
    }

    /// <summary>Every tensor of the checkpoint, in the order save_pretrained writes them per layer.</summary>
    public static IEnumerable<TensorSpec> AllTensors(MixtralConfig c)
    {
        foreach (var spec in SharedTensors(c)) yield return spec;
        for (int l = 0; l < c.NumHiddenLayers; l++)
            for (int e = 0; e < c.NumLocalExperts; e++)
                foreach (var spec in ExpertTensors(c, l, e)) yield return spec;
    }
}

/// <summary>A tensor the model expects: its Hugging Face name and shape.</summary>
public sealed record TensorSpec(string Name, long[] Shape)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
