using System.Text.Json;
using System.Text.Unicode;
using Mixtral.Model.Config;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// The parsed JSON header of one safetensors file, validated by the format's own rules: every entry has a known
/// dtype, a shape of non-negative integers and data_offsets inside the data area, shape × dtype size equals the
/// byte length, and the tensors tile the data area with no overlap and no hole. Whatever it rejects becomes a
/// <see cref="ModelFormatException"/> naming the file and, where there is one, the tensor.
/// </summary>
internal sealed record SafetensorsHeader(IReadOnlyDictionary<string, TensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    public const string MetadataKey = "__metadata__";

    /// <param name="json">The header bytes.</param>
    /// <param name="path">The file, for messages and for <see cref="TensorEntry.FilePath"/>.</param>
    /// <param name="dataStart">Where the data area begins in the file (8 + header length).</param>
    /// <param name="dataLength">Bytes from <paramref name="dataStart"/> to the end of the file.</param>
    public static SafetensorsHeader Parse(byte[] json, string path, long dataStart, long dataLength)
    {
        using var doc = ParseJson(json, path);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{path}: the header is a JSON {Kind(doc.RootElement)}, not an object");

        var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranges = new List<(string Name, long Begin, long End)>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value, path, metadata);
                continue;
            }
            if (tensors.ContainsKey(property.Name))
                throw TensorError(path, property.Name, "is named twice in the header");
            var (entry, begin, end) = ReadEntry(property.Name, property.Value, path, dataStart, dataLength);
            tensors.Add(entry.Name, entry);
            ranges.Add((entry.Name, begin, end));
        }
        CheckTiling(ranges, path, dataLength);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static JsonDocument ParseJson(byte[] json, string path)
    {
        // JsonDocument checks UTF-8 only when a string is read; check it all before trusting any name.
        if (!Utf8.IsValid(json))
            throw new ModelFormatException($"{path}: the header is not valid UTF-8");
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: the header is not valid JSON ({e.Message})", e);
        }
    }

    private static (TensorEntry Entry, long Begin, long End) ReadEntry(
        string name, JsonElement e, string path, long dataStart, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw TensorError(path, name, $"the header entry is a JSON {Kind(e)}, not an object");

        var dtypeElement = Required(e, "dtype", path, name);
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw TensorError(path, name, $"dtype is {Show(dtypeElement)}, not a string");
        string dtypeName = dtypeElement.GetString()!;
        var dtype = SafetensorsDTypes.Parse(dtypeName)
            ?? throw TensorError(path, name, $"unknown dtype '{Truncate(dtypeName)}'");

        long[] shape = ReadIntegers(Required(e, "shape", path, name), "shape", path, name);
        var offsetsElement = Required(e, "data_offsets", path, name);
        long[] offsets = ReadIntegers(offsetsElement, "data_offsets", path, name);
        if (offsets.Length != 2)
            throw TensorError(path, name, $"data_offsets is {Show(offsetsElement)}, not [begin, end]");
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw TensorError(path, name, $"data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw TensorError(path, name, $"data_offsets [{begin}, {end}] run past the end of the data area ({dataLength} bytes)");

        var entry = new TensorEntry(name, dtype, shape, dataStart + begin, end - begin, path);
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => a * b) * SafetensorsDTypes.ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw TensorError(path, name, $"shape {entry.ShapeText} is too large to address");
        }
        if (expected != end - begin)
            throw TensorError(path, name,
                $"shape {entry.ShapeText} of {dtype} needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        return (entry, begin, end);
    }

    private static long[] ReadIntegers(JsonElement array, string field, string path, string name)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw TensorError(path, name, $"{field} is {Show(array)}, not an array");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
                throw TensorError(path, name, $"{field}[{i}] is {Show(item)}, not a non-negative integer");
            values[i++] = value;
        }
        return values;
    }

    /// <summary>The format requires the tensors to cover the data area exactly: no byte shared, none left over.</summary>
    private static void CheckTiling(List<(string Name, long Begin, long End)> ranges, string path, long dataLength)
    {
        ranges.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        string? previous = null;
        foreach (var (name, begin, end) in ranges)
        {
            if (begin < covered)
                throw TensorError(path, name, $"data_offsets [{begin}, {end}] overlap tensor '{previous}', which ends at {covered}");
            if (begin > covered)
                throw TensorError(path, name, $"data_offsets [{begin}, {end}] leave bytes [{covered}, {begin}) of the data area unused");
            covered = end;
            previous = name;
        }
        if (covered != dataLength)
            throw new ModelFormatException(
                $"{path}: the tensors cover {covered} bytes but the data area after the header is {dataLength} bytes");
    }

    private static void ReadMetadata(JsonElement e, string path, Dictionary<string, string> metadata)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{path}: {MetadataKey} is {Show(e)}, not an object of strings");
        foreach (var item in e.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException($"{path}: {MetadataKey} value '{Truncate(item.Name)}' is {Show(item.Value)}, not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static JsonElement Required(JsonElement e, string field, string path, string name) =>
        e.TryGetProperty(field, out var value) ? value : throw TensorError(path, name, $"the header entry has no '{field}'");

    private static ModelFormatException TensorError(string path, string name, string problem) =>
        new($"{path}: tensor '{Truncate(name)}': {problem}");

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    /// <summary>A hostile header can hold megabytes in one value; messages quote at most a short prefix.</summary>
    private static string Show(JsonElement e) => Truncate(e.GetRawText());

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
