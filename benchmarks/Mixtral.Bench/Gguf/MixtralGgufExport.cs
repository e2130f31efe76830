using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Tokenization.SentencePiece;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench.Gguf;

/// <summary>
/// A Hugging Face Mixtral folder as a float32 GGUF file for llama.cpp, laid out as llama.cpp's own converter
/// (<c>convert_hf_to_gguf.py</c>, Mixtral = the "llama" architecture with experts) lays it out: the same tensor names,
/// the 8 experts of a layer stacked into one 3-D tensor per matrix (w1 → ffn_gate_exps, w3 → ffn_up_exps,
/// w2 → ffn_down_exps), Q and K rows permuted from Hugging Face's rotate-half RoPE to ggml's interleaved pairs, and the
/// SentencePiece vocabulary. Used to measure llama.cpp on exactly our model (its own tool then quantizes the file to
/// f16, q8_0 or q4_K_M); this exists because neither Python's gguf package nor numpy can be installed here.
/// </summary>
public static class MixtralGgufExport
{
    public static void Export(string modelDir, string outPath, Action<string>? progress = null)
    {
        var c = MixtralConfig.Load(Path.Combine(modelDir, "config.json"));
        var vocab = SentencePieceVocabulary.Read(Path.Combine(modelDir, "tokenizer.model"));
        if (vocab.Pieces.Count != c.VocabSize)
            throw new InvalidDataException($"{modelDir}: tokenizer.model has {vocab.Pieces.Count} pieces, config.json says vocab_size {c.VocabSize}");
        using var checkpoint = CheckpointReader.Open(modelDir);
        var gguf = new GgufWriter();
        AddMetadata(gguf, c, vocab, Path.GetFileName(Path.GetFullPath(modelDir)));

        float[] Load(string name, long[] shape)
        {
            using var t = checkpoint.Load(new TensorSpec(name, shape), ScalarType.Float32);
            return t.data<float>().ToArray();
        }

        gguf.AddTensor("token_embd.weight", [c.VocabSize, c.HiddenSize], () => Load(TensorNames.Embeddings, [c.VocabSize, c.HiddenSize]));
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            int layer = l;
            string blk = $"blk.{l}.";
            gguf.AddTensor(blk + "attn_norm.weight", [c.HiddenSize], () => Load(TensorNames.InputNorm(layer), [c.HiddenSize]));
            gguf.AddTensor(blk + "attn_q.weight", [c.QueryWidth, c.HiddenSize],
                () => Permuted(checkpoint, TensorNames.QProj(layer), [c.QueryWidth, c.HiddenSize], c.NumAttentionHeads));
            gguf.AddTensor(blk + "attn_k.weight", [c.KeyValueWidth, c.HiddenSize],
                () => Permuted(checkpoint, TensorNames.KProj(layer), [c.KeyValueWidth, c.HiddenSize], c.NumKeyValueHeads));
            gguf.AddTensor(blk + "attn_v.weight", [c.KeyValueWidth, c.HiddenSize], () => Load(TensorNames.VProj(layer), [c.KeyValueWidth, c.HiddenSize]));
            gguf.AddTensor(blk + "attn_output.weight", [c.HiddenSize, c.QueryWidth], () => Load(TensorNames.OProj(layer), [c.HiddenSize, c.QueryWidth]));
            gguf.AddTensor(blk + "ffn_norm.weight", [c.HiddenSize], () => Load(TensorNames.PostAttentionNorm(layer), [c.HiddenSize]));
            gguf.AddTensor(blk + "ffn_gate_inp.weight", [c.NumLocalExperts, c.HiddenSize],
                () => Load(TensorNames.Router(layer), [c.NumLocalExperts, c.HiddenSize]));
            foreach (var (matrix, ggufName) in new[] { (ExpertMatrix.W1, "ffn_gate_exps"), (ExpertMatrix.W3, "ffn_up_exps"), (ExpertMatrix.W2, "ffn_down_exps") })
            {
                long[] one = TensorNames.ExpertShape(c, matrix);
                gguf.AddTensor(blk + ggufName + ".weight", [c.NumLocalExperts, .. one], () => Stacked(checkpoint, c, layer, matrix));
            }
        }
        gguf.AddTensor("output_norm.weight", [c.HiddenSize], () => Load(TensorNames.FinalNorm, [c.HiddenSize]));
        var lmHead = c.TieWordEmbeddings ? TensorNames.Embeddings : TensorNames.LmHead;
        gguf.AddTensor("output.weight", [c.VocabSize, c.HiddenSize], () => Load(lmHead, [c.VocabSize, c.HiddenSize]));
        gguf.Write(outPath, progress);
    }

    private static void AddMetadata(GgufWriter gguf, MixtralConfig c, SentencePieceVocabulary vocab, string name)
    {
        gguf.Add("general.architecture", "llama");
        gguf.Add("general.name", name);
        gguf.Add("general.file_type", 0u); // all float32
        gguf.Add("llama.vocab_size", (uint)c.VocabSize);
        gguf.Add("llama.context_length", (uint)c.MaxPositionEmbeddings);
        gguf.Add("llama.embedding_length", (uint)c.HiddenSize);
        gguf.Add("llama.block_count", (uint)c.NumHiddenLayers);
        gguf.Add("llama.feed_forward_length", (uint)c.IntermediateSize);
        gguf.Add("llama.rope.dimension_count", (uint)c.HeadDim);
        gguf.Add("llama.attention.head_count", (uint)c.NumAttentionHeads);
        gguf.Add("llama.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        gguf.Add("llama.attention.key_length", (uint)c.HeadDim);
        gguf.Add("llama.attention.value_length", (uint)c.HeadDim);
        gguf.Add("llama.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        gguf.Add("llama.rope.freq_base", (float)c.RopeTheta);
        gguf.Add("llama.expert_count", (uint)c.NumLocalExperts);
        gguf.Add("llama.expert_used_count", (uint)c.NumExpertsPerTok);
        gguf.Add("tokenizer.ggml.model", "llama");
        gguf.Add("tokenizer.ggml.pre", "default");
        gguf.Add("tokenizer.ggml.tokens", vocab.Pieces);
        gguf.Add("tokenizer.ggml.scores", vocab.Scores);
        gguf.Add("tokenizer.ggml.token_type", vocab.Types);
        gguf.Add("tokenizer.ggml.bos_token_id", (uint)c.BosTokenId);
        gguf.Add("tokenizer.ggml.eos_token_id", (uint)c.EosTokenIds[0]);
        gguf.Add("tokenizer.ggml.unknown_token_id", 0u);
        gguf.Add("tokenizer.ggml.add_bos_token", true);
        gguf.Add("tokenizer.ggml.add_eos_token", false);
    }

    /// <summary>
    /// convert_hf_to_gguf's <c>permute</c>: within each head, rows (pair j, index i) of Hugging Face's halves become
    /// rows (index i, pair j), so ggml's RoPE, which rotates adjacent pairs, rotates what HF's rotate_half rotates.
    /// </summary>
    private static float[] Permuted(CheckpointReader checkpoint, string name, long[] shape, int heads)
    {
        using var w = checkpoint.Load(new TensorSpec(name, shape), ScalarType.Float32);
        long headDim = shape[0] / heads;
        using var permuted = w.reshape(heads, 2, headDim / 2, shape[1]).transpose(1, 2).contiguous();
        return permuted.data<float>().ToArray();
    }

    private static float[] Stacked(CheckpointReader checkpoint, MixtralConfig c, int layer, ExpertMatrix matrix)
    {
        long[] shape = TensorNames.ExpertShape(c, matrix);
        var experts = Enumerable.Range(0, c.NumLocalExperts)
            .Select(e => checkpoint.Load(new TensorSpec(TensorNames.Expert(layer, e, matrix), shape), ScalarType.Float32))
            .ToArray();
        try
        {
            using var stacked = torch.stack(experts);
            return stacked.data<float>().ToArray();
        }
        finally
        {
            foreach (var e in experts) e.Dispose();
        }
    }
}
