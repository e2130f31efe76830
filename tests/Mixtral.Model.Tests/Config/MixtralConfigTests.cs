using Mixtral.Model;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Model.Tests.Config;

public class MixtralConfigTests
{
    [Fact]
    public void Tiny_fixture_config_reads_every_field()
    {
        var c = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        Assert.Equal(32000, c.VocabSize);
        Assert.Equal(128, c.HiddenSize);
        Assert.Equal(256, c.IntermediateSize);
        Assert.Equal(4, c.NumHiddenLayers);
        Assert.Equal(8, c.NumAttentionHeads);
        Assert.Equal(2, c.NumKeyValueHeads);
        Assert.Equal(16, c.HeadDim);
        Assert.Equal(4, c.KvGroups);
        Assert.Equal(8, c.NumLocalExperts);
        Assert.Equal(2, c.NumExpertsPerTok);
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Null(c.SlidingWindow);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal("bfloat16", c.TorchDtype);
        Assert.Equal([2], c.EosTokenIds);
    }

    [Fact]
    public void Real_8x7b_config_derives_head_dim_from_hidden_and_heads()
    {
        var c = MixtralConfig.Load(FixturePaths.Mixtral8x7BConfig);
        Assert.Equal(128, c.HeadDim); // 4096 / 32: the published config has no head_dim field
        Assert.Equal(32, c.NumHiddenLayers);
        Assert.Equal(14336, c.IntermediateSize);
        Assert.Equal(4, c.KvGroups);
    }

    [Fact]
    public void Round_trips_through_its_own_json()
    {
        var c = MixtralConfig.Load(FixturePaths.Mixtral8x7BConfig) with { SlidingWindow = 4096, TieWordEmbeddings = true };
        Assert.Equal(c with { }, MixtralConfig.Parse(c.ToJson()), new ConfigComparer());
    }

    [Theory]
    [InlineData("hidden_size", "4100", "not divisible by num_attention_heads")]
    [InlineData("num_key_value_heads", "5", "not a multiple of num_key_value_heads")]
    [InlineData("num_experts_per_tok", "9", "num_experts_per_tok 9 exceeds num_local_experts 8")]
    [InlineData("sliding_window", "0", "sliding_window must be null or positive")]
    [InlineData("sliding_window", "\"wide\"", "sliding_window must be an integer")]
    [InlineData("rope_theta", "-1", "rope_theta must be a positive number")]
    [InlineData("vocab_size", "0", "vocab_size must be positive")]
    [InlineData("model_type", "\"llama\"", "model_type is \"llama\"")]
    [InlineData("torch_dtype", "\"int3\"", "torch_dtype \"int3\"")]
    public void Invalid_field_is_named_in_the_error(string field, string value, string expected)
    {
        string json = WithField(field, value);
        var e = Assert.Throws<ModelFormatException>(() => MixtralConfig.Parse(json, "cfg.json"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("cfg.json: ", e.Message);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_local_experts")]
    [InlineData("vocab_size")]
    public void Missing_required_field_is_named(string field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(FixturePaths.Mixtral8x7BConfig))!.AsObject();
        node.Remove(field);
        var e = Assert.Throws<ModelFormatException>(() => MixtralConfig.Parse(node.ToJsonString()));
        Assert.Contains($"missing required field {field}", e.Message);
    }

    [Fact]
    public void Bad_json_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bad-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"hidden_size\": ");
        try
        {
            var e = Assert.Throws<ModelFormatException>(() => MixtralConfig.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("not valid JSON", e.Message);
        }
        finally { File.Delete(path); }
    }

    private static string WithField(string field, string rawValue)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(FixturePaths.Mixtral8x7BConfig))!.AsObject();
        node[field] = System.Text.Json.Nodes.JsonNode.Parse(rawValue);
        return node.ToJsonString();
    }

    private sealed class ConfigComparer : IEqualityComparer<MixtralConfig>
    {
        public bool Equals(MixtralConfig? x, MixtralConfig? y) =>
            x is not null && y is not null && x.ToJson() == y.ToJson();
        public int GetHashCode(MixtralConfig obj) => obj.ToJson().GetHashCode(StringComparison.Ordinal);
    }
}
