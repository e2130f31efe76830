using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;

namespace Mixtral.Model.Quantization;

// Legend: N rows of a matrix, B code bytes per row (padded to pairs of groups), 2P scales per row.

/// <summary>
/// One quantized expert saved as a safetensors file, so a restarted node reads its experts instead of quantizing them
/// again: six tensors, <c>w1.codes</c> U8 [N, B] and <c>w1.scales</c> F32 [N, 2P] (every group's scale d) for W1, W2 and
/// W3, the codes in exactly the layout <see cref="QuantizedMatrix"/> holds in memory; and a <c>__metadata__</c> that says what the file is
/// (<see cref="FormatName"/>, <see cref="Version"/>), what it was made from (the source fingerprint: the checkpoint
/// tensors' names, shapes, places and shard versions, <see cref="QuantizedExpertCache.SourceFingerprint"/>), how (weights
/// format, group size, layer, expert), and a SHA-256 of the data bytes. Reading checks every one of these and the shapes,
/// and hashes the bytes as it reads them: a file that is not exactly what it claims is an error naming the file and what
/// differs (<see cref="ModelFormatException"/>), never a model with wrong weights.
/// </summary>
public static unsafe class QuantizedExpertFile
{
    public const string FormatName = "mixtral-quantized-expert";

    /// <summary>Bumped whenever the layout or the rounding rules change, so older files are rebuilt rather than misread.</summary>
    public const string Version = "2"; // 2: q4's group scales are 8-bit multiples of one scale per 256 weights

    private static readonly string[] MatrixNames = ["w1", "w2", "w3"];

    /// <summary>What a file must say about itself to be used for an expert (everything but the checksum).</summary>
    public sealed record Identity(string SourceFingerprint, ExpertWeightFormat Format, int Layer, int Expert)
    {
        public Dictionary<string, string> ToMetadata() => new()
        {
            ["format"] = FormatName,
            ["version"] = Version,
            ["source_fingerprint"] = SourceFingerprint,
            ["weights"] = Format.ShortName(),
            ["group_size"] = QuantizedMatrix.GroupSize.ToString(CultureInfo.InvariantCulture),
            ["layer"] = Layer.ToString(CultureInfo.InvariantCulture),
            ["expert"] = Expert.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Writes <paramref name="expert"/> to <paramref name="path"/> through a temporary file and a rename, so a
    /// crash mid-write leaves either the old file or none, never half of one.</summary>
    public static void Write(string path, QuantizedExpert expert, Identity identity)
    {
        var matrices = new[] { expert.W1, expert.W2, expert.W3 };
        var entries = new List<SafetensorsHeaderWriter.Entry>();
        var scales = matrices.Select(ScalesOf).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long at = 0;
        for (int m = 0; m < 3; m++)
        {
            var w = matrices[m];
            entries.Add(new(MatrixNames[m] + ".codes", SafetensorsDType.U8, [w.Rows, w.RowCodeBytes], at, at + w.CodeBytes));
            at += w.CodeBytes;
            entries.Add(new(MatrixNames[m] + ".scales", SafetensorsDType.F32, [w.Rows, w.PaddedGroups], at, at + w.ScaleBytes));
            at += w.ScaleBytes;
            ForEachSpan(w.Codes, w.CodeBytes, span => hash.AppendData(span));
            hash.AppendData(scales[m]);
        }
        var metadata = identity.ToMetadata();
        metadata["sha256"] = Convert.ToHexStringLower(hash.GetHashAndReset());
        byte[] header = SafetensorsHeaderWriter.Serialize(entries, metadata);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            file.Write(length);
            file.Write(header);
            for (int m = 0; m < 3; m++)
            {
                ForEachSpan(matrices[m].Codes, matrices[m].CodeBytes, span => file.Write(span));
                file.Write(scales[m]);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the expert saved at <paramref name="path"/>, which must be exactly <paramref name="identity"/>'s, with
    /// W1/W3 [<paramref name="intermediate"/>, <paramref name="hidden"/>] and W2 [hidden, intermediate].</summary>
    public static QuantizedExpert Read(string path, Identity identity, int hidden, int intermediate)
    {
        using var file = SafetensorsFile.Open(path);
        var expected = identity.ToMetadata();
        foreach (var (key, value) in expected)
        {
            string? found = file.Metadata.GetValueOrDefault(key);
            if (found != value)
                throw new ModelFormatException($"{path}: metadata '{key}' is {(found is null ? "missing" : $"\"{found}\"")}, expected \"{value}\"");
        }
        string sha256 = file.Metadata.GetValueOrDefault("sha256") ?? throw new ModelFormatException($"{path}: metadata 'sha256' is missing");

        (int Rows, int Columns)[] shapes = [(intermediate, hidden), (hidden, intermediate), (intermediate, hidden)];
        var matrices = new List<QuantizedMatrix>(3);
        var scales = new byte[3][];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            for (int m = 0; m < 3; m++)
            {
                var w = QuantizedMatrix.Allocate(identity.Format, shapes[m].Rows, shapes[m].Columns);
                matrices.Add(w);
                ReadPlane(handle, file, path, MatrixNames[m] + ".codes", SafetensorsDType.U8, [w.Rows, w.RowCodeBytes], w.Codes, w.CodeBytes, hash);
                scales[m] = new byte[w.ScaleBytes];
                fixed (byte* plane = scales[m])
                    ReadPlane(handle, file, path, MatrixNames[m] + ".scales", SafetensorsDType.F32, [w.Rows, w.PaddedGroups], plane, w.ScaleBytes, hash);
            }
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sha256)
                throw new ModelFormatException($"{path}: the data's SHA-256 is {actual}, but the header records {sha256} (the file is damaged)");
            for (int m = 0; m < 3; m++)
                fixed (byte* plane = scales[m])
                    matrices[m].SetScales((float*)plane, $"{path}: {MatrixNames[m]}.scales");
            return new QuantizedExpert(matrices[0], matrices[1], matrices[2]);
        }
        catch
        {
            foreach (var w in matrices) w.Dispose();
            throw;
        }
    }

    private static void ReadPlane(SafeFileHandle handle, SafetensorsFile file, string path, string name, SafetensorsDType dtype, long[] shape,
        byte* destination, long bytes, IncrementalHash hash)
    {
        var entry = file.Describe(name);
        if (entry.DType != dtype || !entry.Shape.SequenceEqual(shape) || entry.ByteLength != bytes)
            throw new ModelFormatException($"{path}: tensor '{name}' is {entry.DType} {entry.ShapeText}, expected {dtype} [{string.Join(", ", shape)}]");
        long offset = entry.DataOffset;
        ForEachSpan(destination, bytes, span =>
        {
            for (int done = 0; done < span.Length;)
            {
                int read = RandomAccess.Read(handle, span[done..], offset);
                if (read == 0) throw new ModelFormatException($"{path}: tensor '{name}' runs past the end of the file");
                done += read;
                offset += read;
            }
            hash.AppendData(span);
        });
    }

    /// <summary>Every group's scale d of <paramref name="w"/> as the bytes of a float32 plane [N, 2P].</summary>
    private static byte[] ScalesOf(QuantizedMatrix w)
    {
        var bytes = new byte[w.ScaleBytes];
        fixed (byte* plane = bytes) w.CopyScalesTo((float*)plane);
        return bytes;
    }

    private delegate void SpanAction(Span<byte> span);

    /// <summary>Native memory in spans of at most 64 MB (a span's length is an int).</summary>
    private static void ForEachSpan(byte* start, long bytes, SpanAction action)
    {
        const int Chunk = 64 << 20;
        for (long at = 0; at < bytes; at += Chunk)
            action(new Span<byte>(start + at, (int)Math.Min(Chunk, bytes - at)));
    }
}
