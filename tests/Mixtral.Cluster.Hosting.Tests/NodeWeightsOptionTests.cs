using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Inference;
using Mixtral.Testing;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>A node's --weights (flag or config file) reaches its compute options and its memory check.</summary>
public sealed class NodeWeightsOptionTests
{
    [Theory]
    [InlineData("int8", ExpertWeightFormat.Int8)]
    [InlineData("q4", ExpertWeightFormat.Q4)]
    public void A_quantized_format_quantizes_the_experts_and_keeps_the_rest_bf16(string weights, ExpertWeightFormat expected)
    {
        var settings = NodeStartupCheck.Resolve(new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo", Weights = weights });
        Assert.Equal(expected, settings.Compute.ExpertFormat);
        Assert.Equal(ScalarType.BFloat16, settings.Compute.WeightDType);
    }

    [Fact]
    public void The_quantized_cache_folder_reaches_the_compute_options()
    {
        var settings = NodeStartupCheck.Resolve(new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo", Weights = "int8", QuantizedCache = "/var/cache/mixtral" });
        Assert.Equal("/var/cache/mixtral", settings.Compute.QuantizedCacheDirectory);
    }

    [Fact]
    public void The_memory_check_sizes_quantized_experts_at_their_own_bytes()
    {
        var q4 = new ModelSizing(Mixtral.Model.Config.MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json")), Mixtral.Model.Config.Precision.Q4);
        long budget = q4.TotalBytes; // fits in q4, not in bf16
        var settings = NodeStartupCheck.Resolve(new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo", Weights = "q4", MemoryGb = (budget + 1000) / 1e9 });
        Assert.Equal(ExpertWeightFormat.Q4, settings.Compute.ExpertFormat);
        var e = Assert.ThrowsAny<Exception>(() => NodeStartupCheck.Resolve(new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo", Weights = "bf16", MemoryGb = (budget + 1000) / 1e9 }));
        Assert.Contains("over its", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_the_flag()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo", Weights = "int3" }));
        Assert.Contains("--weights: \"int3\"", e.Message, StringComparison.Ordinal);
    }
}
