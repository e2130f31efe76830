using System.Buffers.Binary;
using System.Text;
using Mixtral.Model.Checkpoint;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// Corrupt and hostile files, made by byte surgery on a valid file from the writer. Its header is
/// <c>{"__metadata__":{"format":"pt"},"alpha":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"beta":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}</c>.
/// Every error is a <see cref="ModelFormatException"/> naming the file and, where there is one, the tensor.
/// </summary>
public sealed class CorruptSafetensorsTests : IDisposable
{
    private const string Beta = "\"beta\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}";

    private readonly TempDirectory _dir = new();
    private readonly string _header;
    private readonly byte[] _data;

    public CorruptSafetensorsTests()
    {
        using var alpha = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var beta = ones(4, dtype: ScalarType.BFloat16);
        SafetensorsWriter.Write(_dir.File("valid.safetensors"), [("alpha", alpha), ("beta", beta)], new Dictionary<string, string> { ["format"] = "pt" });
        byte[] file = File.ReadAllBytes(_dir.File("valid.safetensors"));
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        _header = Encoding.UTF8.GetString(file, 8, headerLength).TrimEnd(' ');
        _data = file[(8 + headerLength)..];
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_valid_file_opens()
    {
        Assert.Contains(Beta, _header, StringComparison.Ordinal);
        using var file = SafetensorsFile.Open(WithHeader(_header));
        Assert.Equal(["alpha", "beta"], file.Tensors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"BF16\"", "\"Q7\"", "beta", "unknown dtype 'Q7'")]
    [InlineData("\"dtype\":\"BF16\",", "", "beta", "has no 'dtype'")]
    [InlineData("\"shape\":[4],", "", "beta", "has no 'shape'")]
    [InlineData(",\"data_offsets\":[24,32]", "", "beta", "has no 'data_offsets'")]
    [InlineData("\"dtype\":\"BF16\"", "\"dtype\":16", "beta", "dtype is 16, not a string")]
    [InlineData("[4]", "[-4]", "beta", "shape[0] is -4, not a non-negative integer")]
    [InlineData("[4]", "[4.5]", "beta", "shape[0] is 4.5, not a non-negative integer")]
    [InlineData("[4]", "[\"4\"]", "beta", "shape[0] is \"4\", not a non-negative integer")]
    [InlineData("[4]", "4", "beta", "shape is 4, not an array")]
    [InlineData("[4]", "[5]", "beta", "shape [5] of BF16 needs 10 bytes but data_offsets [24, 32] hold 8")]
    [InlineData("[4]", "[9223372036854775807,2]", "beta", "too large to address")]
    [InlineData("[24,32]", "[24,40]", "beta", "data_offsets [24, 40] run past the end of the data area (32 bytes)")]
    [InlineData("[24,32]", "[32,24]", "beta", "data_offsets [32, 24] end before they begin")]
    [InlineData("[24,32]", "[24]", "beta", "data_offsets is [24], not [begin, end]")]
    [InlineData("[24,32]", "[16,24]", "beta", "data_offsets [16, 24] overlap tensor 'alpha', which ends at 24")]
    [InlineData("\"shape\":[2,3],\"data_offsets\":[0,24]", "\"shape\":[2,2],\"data_offsets\":[0,16]", "beta", "leave bytes [16, 24) of the data area unused")]
    [InlineData("\"alpha\"", "\"beta\"", "beta", "is named twice in the header")]
    [InlineData(Beta, "\"beta\":7", "beta", "the header entry is a JSON number, not an object")]
    public void Corrupt_header_entry_names_file_and_tensor(string find, string replace, string tensor, string problem)
    {
        Assert.Contains(find, _header, StringComparison.Ordinal);
        string path = WithHeader(_header.Replace(find, replace, StringComparison.Ordinal));

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"tensor '{tensor}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"pt\"", "3", "__metadata__ value 'format' is 3, not a string")]
    [InlineData("{\"format\":\"pt\"}", "[]", "__metadata__ is [], not an object of strings")]
    [InlineData("\"data_offsets\":[24,32]}", "\"data_offsets\":[24,32]", "the header is not valid JSON")]
    public void Corrupt_header_names_the_file(string find, string replace, string problem)
    {
        Assert.Contains(find, _header, StringComparison.Ordinal);
        string path = WithHeader(_header.Replace(find, replace, StringComparison.Ordinal));

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_that_is_not_an_object_is_rejected()
    {
        string path = WithHeader("[1, 2]");
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: the header is a JSON array, not an object", error.Message);
    }

    [Fact]
    public void Header_that_is_not_utf8_is_rejected()
    {
        byte[] header = [.. Encoding.UTF8.GetBytes("{\"al"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("pha\":{}}")];
        string path = Write("bad-utf8.safetensors", [.. LengthPrefix(header.Length), .. header]);

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: the header is not valid UTF-8", error.Message);
    }

    [Fact]
    public void File_shorter_than_8_bytes_is_rejected()
    {
        string path = Write("short.safetensors", [1, 2, 3, 4, 5]);
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: the file is 5 bytes, shorter than the 8-byte header length every safetensors file starts with", error.Message);
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file_is_rejected()
    {
        byte[] header = Encoding.UTF8.GetBytes(_header);
        string path = Write("long-header.safetensors", [.. LengthPrefix(header.Length + _data.Length + 1), .. header, .. _data]);

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains($"{path}: the header length {header.Length + _data.Length + 1} runs past the end of the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_header_length_is_rejected_before_allocating_it()
    {
        string path = Write("huge-header.safetensors", [.. LengthPrefix(1L << 62), .. Encoding.UTF8.GetBytes(_header), .. _data]);

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains($"{path}: the header length {1L << 62} is over the 100000000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_file_names_the_tensor_that_runs_past_its_end()
    {
        string path = WithHeader(_header, _data[..^4]);

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: tensor 'beta': data_offsets [24, 32] run past the end of the data area (28 bytes)", error.Message);
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_rejected()
    {
        string path = WithHeader(_header, [.. _data, 0, 0, 0, 0]);

        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: the tensors cover 32 bytes but the data area after the header is 36 bytes", error.Message);
    }

    [Fact]
    public void Dtype_torch_cannot_hold_is_an_error_when_read()
    {
        string path = WithHeader(_header.Replace("\"BF16\"", "\"U16\"", StringComparison.Ordinal));
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<ModelFormatException>(() => file.Read("beta"));
        Assert.Equal($"{path}: tensor 'beta': unsupported dtype U16 (torch has no such element type)", error.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        string path = _dir.File("absent.safetensors");
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal($"{path}: file not found", error.Message);
    }

    private string WithHeader(string header, byte[]? data = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return Write($"corrupt-{Guid.NewGuid():N}.safetensors", [.. LengthPrefix(json.Length), .. json, .. data ?? _data]);
    }

    private string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(_dir.File(name), bytes);
        return _dir.File(name);
    }

    private static byte[] LengthPrefix(long length)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)length);
        return prefix;
    }
}
