using System.Text;
using System.Text.Json;

namespace Mixtral.Model.Config;

/// <summary>
/// The model's <c>config.json</c> under its Hugging Face names, validated once, with derived values
/// (head_dim, KV groups) computed once. Immutable: every part of the system reads the same facts.
/// </summary>
public sealed record MixtralConfig
{
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    /// <summary>Per-head width. Absent in the real Mixtral-8x7B config, where it is hidden_size / num_attention_heads.</summary>
    public required int HeadDim { get; init; }
    public required int NumLocalExperts { get; init; }
    public required int NumExpertsPerTok { get; init; }
    public double RopeTheta { get; init; } = 1e6;
    public double RmsNormEps { get; init; } = 1e-5;
    /// <summary>Null: full causal attention. Otherwise a query at position i sees keys at j with i - j &lt; window.</summary>
    public int? SlidingWindow { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 32768;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>The dtype the checkpoint was saved in ("bfloat16", "float16", "float32").</summary>
    public string TorchDtype { get; init; } = "bfloat16";
    public int BosTokenId { get; init; } = 1;
    public IReadOnlyList<int> EosTokenIds { get; init; } = [2];
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Query heads that share one key/value head (grouped-query attention).</summary>
    public int KvGroups => NumAttentionHeads / NumKeyValueHeads;
    public int QueryWidth => NumAttentionHeads * HeadDim;
    public int KeyValueWidth => NumKeyValueHeads * HeadDim;

    public static MixtralConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: config.json not found");
        string json;
        try
        {
            // Strict: File.ReadAllText would turn invalid bytes into U+FFFD and read a damaged file as valid.
            json = StrictUtf8.GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException e)
        {
            throw new ModelFormatException($"{path}: not valid UTF-8 ({e.Message})", e);
        }
        return Parse(json, path);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static MixtralConfig Parse(string json, string source = "config.json")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: not valid JSON ({e.Message})", e);
        }
        using var _ = doc;
        var reader = new ConfigJsonReader(doc.RootElement, source);
        int hidden = reader.RequiredInt("hidden_size");
        int heads = reader.RequiredInt("num_attention_heads");
        int? headDim = reader.OptionalInt("head_dim");
        if (headDim is null && heads > 0 && hidden % heads != 0)
            throw new ModelFormatException(
                $"{source}: hidden_size {hidden} is not divisible by num_attention_heads {heads} (and no head_dim is given)");

        var config = new MixtralConfig
        {
            VocabSize = reader.RequiredInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = reader.RequiredInt("intermediate_size"),
            NumHiddenLayers = reader.RequiredInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = reader.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = headDim ?? (heads > 0 ? hidden / heads : 0),
            NumLocalExperts = reader.RequiredInt("num_local_experts"),
            NumExpertsPerTok = reader.RequiredInt("num_experts_per_tok"),
            RopeTheta = reader.OptionalDouble("rope_theta") ?? 1e6,
            RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-5,
            SlidingWindow = reader.OptionalInt("sliding_window"),
            MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 32768,
            TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? false,
            TorchDtype = reader.OptionalString("torch_dtype") ?? "bfloat16",
            BosTokenId = reader.OptionalInt("bos_token_id") ?? 1,
            EosTokenIds = reader.OptionalIntOrList("eos_token_id") ?? [2],
            HiddenAct = reader.OptionalString("hidden_act") ?? "silu",
        };
        string? modelType = reader.OptionalString("model_type");
        if (modelType is not null && modelType != "mixtral")
            throw new ModelFormatException($"{source}: model_type is \"{modelType}\", expected \"mixtral\"");
        config.Validate(source);
        return config;
    }

    /// <summary>Throws <see cref="ModelFormatException"/> naming the first field that cannot describe a Mixtral model.</summary>
    public void Validate(string source = "config.json")
    {
        void Positive(int value, string field)
        {
            if (value <= 0) throw new ModelFormatException($"{source}: {field} must be positive, got {value}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(NumLocalExperts, "num_local_experts");
        Positive(NumExpertsPerTok, "num_experts_per_tok");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ModelFormatException(
                $"{source}: num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        if (HeadDim % 2 != 0)
            throw new ModelFormatException($"{source}: head_dim {HeadDim} must be even for rotary embeddings");
        if (NumExpertsPerTok > NumLocalExperts)
            throw new ModelFormatException(
                $"{source}: num_experts_per_tok {NumExpertsPerTok} exceeds num_local_experts {NumLocalExperts}");
        if (SlidingWindow is <= 0)
            throw new ModelFormatException($"{source}: sliding_window must be null or positive, got {SlidingWindow}");
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
            throw new ModelFormatException($"{source}: rope_theta must be a positive number, got {RopeTheta}");
        if (!(RmsNormEps > 0) || RmsNormEps >= 1)
            throw new ModelFormatException($"{source}: rms_norm_eps must be in (0, 1), got {RmsNormEps}");
        if (HiddenAct != "silu")
            throw new ModelFormatException($"{source}: hidden_act \"{HiddenAct}\" is not supported (Mixtral uses \"silu\")");
        if (TorchDtype is not ("bfloat16" or "float16" or "float32"))
            throw new ModelFormatException($"{source}: torch_dtype \"{TorchDtype}\" is not one of bfloat16, float16, float32");
        foreach (int eos in EosTokenIds)
            if (eos < 0 || eos >= VocabSize)
                throw new ModelFormatException($"{source}: eos_token_id {eos} is outside the vocabulary (0..{VocabSize - 1})");
        if (BosTokenId < 0 || BosTokenId >= VocabSize)
            throw new ModelFormatException($"{source}: bos_token_id {BosTokenId} is outside the vocabulary (0..{VocabSize - 1})");
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>The config.json text under the Hugging Face names (what <c>save_pretrained</c> writes).</summary>
    public string ToJson()
    {
        var fields = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "MixtralForCausalLM" },
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenIds.Count == 1 ? EosTokenIds[0] : EosTokenIds,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = HiddenAct,
            ["hidden_size"] = HiddenSize,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = IntermediateSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["model_type"] = "mixtral",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_experts_per_tok"] = NumExpertsPerTok,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["num_local_experts"] = NumLocalExperts,
            ["output_router_logits"] = false,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["router_aux_loss_coef"] = 0.02,
            ["sliding_window"] = SlidingWindow,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
            ["use_cache"] = true,
            ["vocab_size"] = VocabSize,
        };
        return JsonSerializer.Serialize(fields, IndentedJson) + "\n";
    }
}
