using Mixtral.Model.Config;
using System.Text.Json;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Testing;

namespace Mixtral.Cluster.Placement.Tests;

/// <summary>
/// Sizes against shared/fixtures/mixtral-8x7b-config/README.md (parameter counts of the published checkpoint)
/// and the tiny fixture's own model.safetensors.index.json, both written by the tools that made the checkpoints.
/// </summary>
public class ModelSizingTests
{
    // From the fixture README.
    private const long ExpertParams = 176_160_768;            // one expert of one layer: 3 × 4096 × 14336
    private const long AllParams = 46_702_792_704;
    private const long EightExpertsPerLayerParams = 1_409_286_144;
    private const long TotalBf16Bytes = 93_405_585_408;       // total_size of the published index
    private const int Layers = 32;

    private static readonly ModelSizing Bf16 = new(Models.Real8x7B, Precision.BFloat16);

    [Fact]
    public void One_expert_of_one_layer_is_352_MB_in_bf16()
    {
        Assert.Equal(2 * ExpertParams, Bf16.BytesPerExpert);
        Assert.Equal(352, Math.Round(Bf16.BytesPerExpert / 1e6));
    }

    [Fact]
    public void One_expert_of_every_layer_is_11_3_GB_in_bf16()
    {
        Assert.Equal(2 * ExpertParams * Layers, Bf16.BytesPerExpertColumn);
        Assert.Equal(11.3, Math.Round(Bf16.BytesPerExpertColumn / 1e9, 1));
    }

    [Fact]
    public void Everything_but_the_experts_is_3_2_GB_in_bf16()
    {
        long fromTotals = 2 * (AllParams - Layers * EightExpertsPerLayerParams);
        // embeddings + LM head + per layer (attention, router, two norms) + final norm, as the README lists them
        long fromParts = 2 * (131_072_000 + 131_072_000 + Layers * (41_943_040L + 32_768 + 8_192) + 4_096);
        Assert.Equal(fromTotals, fromParts);
        Assert.Equal(fromTotals, Bf16.SharedBytes);
        Assert.Equal(3.2, Math.Round(Bf16.SharedBytes / 1e9, 1));
    }

    [Fact]
    public void Whole_model_in_bf16_matches_the_published_index_total()
    {
        Assert.Equal(TotalBf16Bytes, Bf16.TotalBytes);
    }

    [Fact]
    public void Tiny_model_total_matches_its_safetensors_index()
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturePaths.TinyMixtral, "model.safetensors.index.json")));
        long published = index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64();
        Assert.Equal(published, new ModelSizing(Models.Tiny, Precision.BFloat16).TotalBytes);
    }

    [Fact]
    public void F32_is_twice_bf16_everywhere()
    {
        var f32 = new ModelSizing(Models.Real8x7B, Precision.Float32);
        Assert.Equal(2 * TotalBf16Bytes, f32.TotalBytes);
        Assert.Equal(4 * ExpertParams, f32.BytesPerExpert);
    }

    [Theory]
    [InlineData(Precision.Int8, 1.125)] // a byte per weight and a float32 scale per 32
    [InlineData(Precision.Q4, 0.546875)] // half a byte per weight, an int8 scale per 32 and a float32 per 256
    public void Quantized_formats_size_the_experts_at_their_bytes_per_weight_and_keep_everything_else_bf16(Precision dtype, double bytesPerWeight)
    {
        var quantized = new ModelSizing(Models.Real8x7B, dtype);
        Assert.Equal((long)(ExpertParams * bytesPerWeight), quantized.BytesPerExpert); // 4096 and 14336 are multiples of 256: no padding
        Assert.Equal(Bf16.SharedBytes, quantized.SharedBytes);
    }

    [Theory]
    [InlineData("bf16", Precision.BFloat16)]
    [InlineData("INT8", Precision.Int8)]
    [InlineData("q4", Precision.Q4)]
    [InlineData("float32", Precision.Float32)]
    public void Dtype_names_parse(string name, Precision expected) => Assert.Equal(expected, Precisions.Parse(name, "--dtype"));

    [Fact]
    public void Unknown_dtype_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Precisions.Parse("int3", "--dtype"));
        Assert.Equal("--dtype: \"int3\" is not one of f32, bf16, f16, int8, q4", e.Message);
    }
}
