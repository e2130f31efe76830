using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Model.Tests.Config;

/// <summary>
/// Property tests over hostile config.json files (CsCheck; hand-written cases are in <see cref="MixtralConfigTests"/>):
/// any value in any field, damaged bytes, invalid UTF-8. Either the config is read and its invariants hold, or a
/// <see cref="ModelFormatException"/> names the source; nothing else escapes.
/// </summary>
public sealed class ConfigFuzzTests
{
    private const string Source = "fuzz/config.json";
    private static readonly string Valid = File.ReadAllText(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    private static readonly string[] Fields = [.. JsonNode.Parse(Valid)!.AsObject().Select(p => p.Key), "head_dim", "unknown_field"];

    private static readonly Gen<JsonNode?> Values = Gen.OneOf<JsonNode?>(
        Gen.Int.Select(v => (JsonNode?)v), Gen.Long.Select(v => (JsonNode?)v), Gen.Int[-3, 300].Select(v => (JsonNode?)v),
        Gen.Double.Where(double.IsFinite).Select(v => (JsonNode?)v), Gen.Const((JsonNode?)null), Gen.Bool.Select(v => (JsonNode?)v),
        Gen.String.Select(v => (JsonNode?)v), Gen.Const<JsonNode?>(1e300), Gen.Const<JsonNode?>(0.5),
        Gen.Int[-2, 40].Array[0, 3].Select(a => (JsonNode?)new JsonArray([.. a.Select(i => (JsonNode?)i)])),
        Gen.Const<JsonNode?>(new JsonObject()));

    /// <summary>Parses; when it works the derived values must be consistent (otherwise validation let something through).</summary>
    private static void ParseOrNamedError(string json)
    {
        MixtralConfig config;
        try
        {
            config = MixtralConfig.Parse(json, Source);
        }
        catch (ModelFormatException e)
        {
            Assert.StartsWith(Source, e.Message, StringComparison.Ordinal);
            return;
        }
        Assert.True(config.VocabSize > 0 && config.HiddenSize > 0 && config.NumHiddenLayers > 0 && config.IntermediateSize > 0);
        Assert.True(config.NumKeyValueHeads > 0 && config.NumAttentionHeads % config.NumKeyValueHeads == 0);
        Assert.True(config.NumExpertsPerTok >= 1 && config.NumExpertsPerTok <= config.NumLocalExperts);
        Assert.True(config.HeadDim > 0 && config.HeadDim % 2 == 0);
        Assert.True(config.RmsNormEps is > 0 and < 1 && config.RopeTheta > 0);
    }

    [Fact]
    public void Any_value_in_any_field_is_read_or_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[0, Fields.Length - 1], Values).Array[1, 3].Sample(edits =>
        {
            var config = JsonNode.Parse(Valid)!.AsObject();
            foreach (var (field, value) in edits) config[Fields[field]] = value?.DeepClone();
            ParseOrNamedError(config.ToJsonString());
        }, iter: 2000);
    }

    [Fact]
    public void A_missing_field_is_read_with_its_default_or_refused_naming_the_file()
    {
        foreach (string field in Fields)
        {
            var config = JsonNode.Parse(Valid)!.AsObject();
            config.Remove(field);
            ParseOrNamedError(config.ToJsonString());
        }
    }

    [Fact]
    public void Damaged_text_is_read_or_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Int[0, 12], Gen.Char.Array[0, 4]).Sample((at, cut, insert) =>
        {
            string damaged = Valid[..at] + new string(insert) + Valid[Math.Min(Valid.Length, at + cut)..];
            ParseOrNamedError(damaged);
        }, iter: 1000);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong '/'
    public void Invalid_utf8_in_the_file_is_refused_naming_it(byte[] bad)
    {
        string path = Path.Combine(Path.GetTempPath(), $"config-utf8-{Guid.NewGuid():N}.json");
        byte[] valid = Encoding.UTF8.GetBytes(Valid);
        int at = Valid.IndexOf("4.51.3", StringComparison.Ordinal); // inside transformers_version, which nothing checks
        File.WriteAllBytes(path, [.. valid[..at], .. bad, .. valid[at..]]);
        try
        {
            var error = Assert.Throws<ModelFormatException>(() => MixtralConfig.Load(path));
            Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"config\"")]
    [InlineData("{")]
    [InlineData("{} {}")]
    public void Not_an_object_is_refused_naming_the_file(string json)
    {
        var error = Assert.Throws<ModelFormatException>(() => MixtralConfig.Parse(json, Source));
        Assert.StartsWith(Source, error.Message, StringComparison.Ordinal);
    }
}
