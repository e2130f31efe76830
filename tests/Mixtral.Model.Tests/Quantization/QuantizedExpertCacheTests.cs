using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>
/// Saved quantized experts (<see cref="QuantizedExpertCache"/>) on the shared fixture: a model read back from the cache
/// computes exactly what the freshly quantized one does, and a cache file that is damaged, stale or from another format is
/// never used: it is reported and rebuilt.
/// </summary>
[Collection(QuantizedKernelPathsGroup.Name)]
public sealed class QuantizedExpertCacheTests : IDisposable
{
    private readonly MixtralConfig config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    private readonly CheckpointReader reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "quantized-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        reader.Dispose();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(ExpertWeightFormat.Int8)]
    [InlineData(ExpertWeightFormat.Q4)]
    public async Task A_model_read_back_from_the_cache_gives_exactly_the_logits_of_a_freshly_quantized_one(ExpertWeightFormat format)
    {
        var prompt = new HfReference().Prompts[1].InputIds;
        using var fresh = await LogitsAsync(new ModelOptions { ExpertFormat = format });
        using var cold = await LogitsAsync(new ModelOptions { ExpertFormat = format, QuantizedCacheDirectory = directory });
        Assert.Equal(config.NumHiddenLayers * config.NumLocalExperts, Directory.GetFiles(directory, "*.safetensors").Length);
        using var warm = await LogitsAsync(new ModelOptions { ExpertFormat = format, QuantizedCacheDirectory = directory });
        Assert.True(fresh.data<float>().ToArray().SequenceEqual(cold.data<float>().ToArray()), "the model that wrote the cache differs from one without a cache");
        Assert.True(fresh.data<float>().ToArray().SequenceEqual(warm.data<float>().ToArray()), "the model read from the cache differs from a freshly quantized one");

        async Task<Tensor> LogitsAsync(ModelOptions options)
        {
            using var model = MixtralModel.Load(reader, config, options);
            using var cache = model.NewCache();
            return await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, prompt)], LogitRows.All));
        }
    }

    [Fact]
    public void The_second_load_reads_the_file_and_gets_the_same_codes_and_scales()
    {
        using var first = Load(ExpertWeightFormat.Int8, out var created, out _);
        using var second = Load(ExpertWeightFormat.Int8, out var hit, out string? problem);
        Assert.Equal(QuantizedExpertCache.Outcome.Created, created);
        Assert.Equal(QuantizedExpertCache.Outcome.Hit, hit);
        Assert.Null(problem);
        Assert.True(first.W2.CodeSpan.SequenceEqual(second.W2.CodeSpan));
        Assert.True(first.W2.ScaleSpan.SequenceEqual(second.W2.ScaleSpan));
    }

    [Fact]
    public void A_damaged_file_is_detected_by_its_checksum_and_rebuilt()
    {
        Load(ExpertWeightFormat.Q4, out _, out _).Dispose();
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Q4);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length - 100; // inside the last scales plane
            int b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x10));
        }
        using var rebuilt = Load(ExpertWeightFormat.Q4, out var outcome, out string? problem);
        Assert.Equal(QuantizedExpertCache.Outcome.Rebuilt, outcome);
        Assert.Contains("SHA-256", problem);
        Assert.Contains(path, problem);
        Load(ExpertWeightFormat.Q4, out var after, out _).Dispose();
        Assert.Equal(QuantizedExpertCache.Outcome.Hit, after);
    }

    [Fact]
    public void A_q4_file_whose_scales_its_rule_could_not_have_made_is_rebuilt_and_the_error_names_the_plane()
    {
        Load(ExpertWeightFormat.Q4, out _, out _).Dispose();
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Q4);
        // One group scale of the last plane (w3.scales) made 1.37 times larger, and the file's checksum made to match: a
        // file intact as bytes whose scales are no longer int8 multiples of one block scale (an older or foreign writer).
        byte[] bytes = File.ReadAllBytes(path);
        int data = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        int at = bytes.Length - 4;
        while (BitConverter.ToSingle(bytes, at) == 0) at -= 4;
        BitConverter.TryWriteBytes(bytes.AsSpan(at), BitConverter.ToSingle(bytes, at) * 1.37f);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, data - 8);
        string oldSum = System.Text.RegularExpressions.Regex.Match(header, "\"sha256\":\"([0-9a-f]{64})\"").Groups[1].Value;
        string newSum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(data)));
        System.Text.Encoding.UTF8.GetBytes(header.Replace(oldSum, newSum)).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        using var rebuilt = Load(ExpertWeightFormat.Q4, out var outcome, out string? problem);
        Assert.Equal(QuantizedExpertCache.Outcome.Rebuilt, outcome);
        Assert.Contains(path, problem);
        Assert.Contains("w3.scales", problem);
        Assert.Contains("not an 8-bit multiple", problem);
    }

    [Fact]
    public void A_truncated_file_is_rebuilt()
    {
        Load(ExpertWeightFormat.Int8, out _, out _).Dispose();
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Int8);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite)) file.SetLength(file.Length / 2);
        Load(ExpertWeightFormat.Int8, out var outcome, out string? problem).Dispose();
        Assert.Equal(QuantizedExpertCache.Outcome.Rebuilt, outcome);
        Assert.Contains(path, problem);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 16, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"', (byte)'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void A_file_that_is_not_safetensors_is_rebuilt(byte[] garbage)
    {
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Int8);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(path, garbage);
        Load(ExpertWeightFormat.Int8, out var outcome, out string? problem).Dispose();
        Assert.Equal(QuantizedExpertCache.Outcome.Rebuilt, outcome);
        Assert.Contains(path, problem);
    }

    [Fact]
    public void A_file_made_from_other_weights_is_rebuilt_and_the_error_names_the_fingerprint()
    {
        using var expert = Load(ExpertWeightFormat.Int8, out _, out _);
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Int8);
        // The same bytes, valid in every other way, but recorded as made from another checkpoint.
        QuantizedExpertFile.Write(path, expert, new QuantizedExpertFile.Identity("0123abcd", ExpertWeightFormat.Int8, 1, 3));
        Load(ExpertWeightFormat.Int8, out var outcome, out string? problem).Dispose();
        Assert.Equal(QuantizedExpertCache.Outcome.Rebuilt, outcome);
        Assert.Contains("source_fingerprint", problem);
        Assert.Contains("0123abcd", problem);
    }

    [Fact]
    public void Reading_a_file_as_another_format_or_expert_is_an_error_naming_the_field()
    {
        using var expert = Load(ExpertWeightFormat.Int8, out _, out _);
        string path = QuantizedExpertCache.PathOf(directory, 1, 3, ExpertWeightFormat.Int8);
        string fingerprint = QuantizedExpertCache.SourceFingerprint(reader, 1, 3);
        var asQ4 = Assert.Throws<ModelFormatException>(() => QuantizedExpertFile.Read(path, new(fingerprint, ExpertWeightFormat.Q4, 1, 3), config.HiddenSize, config.IntermediateSize));
        Assert.Contains("'weights' is \"int8\", expected \"q4\"", asQ4.Message);
        var otherExpert = Assert.Throws<ModelFormatException>(() => QuantizedExpertFile.Read(path, new(fingerprint, ExpertWeightFormat.Int8, 1, 4), config.HiddenSize, config.IntermediateSize));
        Assert.Contains("'expert' is \"3\", expected \"4\"", otherExpert.Message);
    }

    private QuantizedExpert Load(ExpertWeightFormat format, out QuantizedExpertCache.Outcome outcome, out string? problem) =>
        QuantizedExpertCache.Load(new WeightLoader(reader, ScalarType.Float32, CPU), config, 1, 3, format, directory, out outcome, out problem);
}
