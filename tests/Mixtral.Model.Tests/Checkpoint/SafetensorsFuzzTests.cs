using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// Property tests over hostile safetensors files (CsCheck; the hand-written cases are in
/// <see cref="CorruptSafetensorsTests"/>). Whatever the bytes, opening and reading either works or throws a
/// <see cref="ModelFormatException"/> naming the file: never another exception, never a hang, and never an
/// allocation out of proportion to the file (a header claiming 2^40 bytes is refused before it is allocated).
/// </summary>
public sealed class SafetensorsFuzzTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _valid;

    public SafetensorsFuzzTests()
    {
        using var alpha = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var beta = ones(4, dtype: ScalarType.BFloat16);
        using var gamma = zeros(3, 2, dtype: ScalarType.Float16);
        SafetensorsWriter.Write(_dir.File("valid.safetensors"), [("alpha", alpha), ("beta", beta), ("gamma", gamma)]);
        _valid = File.ReadAllBytes(_dir.File("valid.safetensors"));
    }

    public void Dispose() => _dir.Dispose();

    private int _files;

    /// <summary>Opens <paramref name="bytes"/> as a file and reads every tensor; returns the error, or null when it worked.</summary>
    private ModelFormatException? OpenAndReadAll(byte[] bytes)
    {
        string path = _dir.File($"case-{Interlocked.Increment(ref _files)}.safetensors");
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var file = SafetensorsFile.Open(path);
            foreach (string name in file.Tensors.Keys)
            {
                using var scope = NewDisposeScope();
                file.Read(name, ScalarType.Float32);
            }
            return null;
        }
        catch (ModelFormatException e)
        {
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            return e;
        }
        finally
        {
            // Managed allocations stay in proportion to the file, whatever its header claims.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 * bytes.Length + (1 << 20), $"{allocated} bytes allocated for a {bytes.Length}-byte file");
            File.Delete(path);
        }
    }

    [Fact]
    public void Every_truncation_is_refused_naming_the_file()
    {
        // Exhaustive rather than sampled: the file is small enough to cut at every length.
        for (int length = 0; length < _valid.Length; length++)
            Assert.NotNull(OpenAndReadAll(_valid[..length]));
        Assert.Null(OpenAndReadAll(_valid));
    }

    [Fact]
    public void Any_header_length_prefix_is_refused_unless_it_is_the_true_one()
    {
        ulong trueLength = BinaryPrimitives.ReadUInt64LittleEndian(_valid);
        Gen.OneOf(Gen.ULong, Gen.ULong[0, (ulong)_valid.Length * 2], Gen.Int[0, 62].Select(shift => 1UL << shift))
            .Where(claimed => claimed != trueLength)
            .Sample(claimed =>
            {
                var bytes = (byte[])_valid.Clone();
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed);
                Assert.NotNull(OpenAndReadAll(bytes));
            }, iter: 300);
    }

    [Fact]
    public void Random_byte_damage_opens_or_is_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[0, _valid.Length - 1], Gen.Byte.Array[1, 8])
            .Sample((at, damage) =>
            {
                var bytes = (byte[])_valid.Clone();
                damage.AsSpan(0, Math.Min(damage.Length, bytes.Length - at)).CopyTo(bytes.AsSpan(at));
                OpenAndReadAll(bytes);
            }, iter: 400);
    }

    private static readonly Gen<string> JsonValues = Gen.OneOf(
        Gen.Long.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[-2, 40].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("1e300"), Gen.Const("-0"), Gen.Const("2.5"), Gen.Const("null"), Gen.Const("true"), Gen.Const("\"\""),
        Gen.Const("\"F32\""), Gen.Const("\"BF16\""), Gen.Const("\"I64\""), Gen.Const("\"F8_E4M3\""), Gen.Const("\"U1\""),
        Gen.Const("{}"), Gen.Const("[]"), Gen.Int[-1, 40].Array[0, 4].Select(a => $"[{string.Join(',', a)}]"),
        Gen.Const("[18446744073709551615, 2]"), Gen.Const("[4611686018427387904,4611686018427387904]"));

    [Fact]
    public void Random_header_fields_open_or_are_refused_naming_the_file()
    {
        // Entries built from random dtypes, shapes and offsets over a 48-byte data area: overlaps, gaps, holes,
        // wrong types and sizes that overflow when multiplied.
        var entry = Gen.Select(Gen.OneOf(Gen.Const("t"), Gen.Const("u"), Gen.Const("__metadata__")), JsonValues, JsonValues, JsonValues)
            .Select((name, dtype, shape, offsets) => $"\"{name}\":{{\"dtype\":{dtype},\"shape\":{shape},\"data_offsets\":{offsets}}}");
        entry.Array[1, 3].Sample(entries =>
        {
            byte[] header = Encoding.UTF8.GetBytes("{" + string.Join(',', entries) + "}");
            byte[] bytes = new byte[8 + header.Length + 48];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
            header.CopyTo(bytes, 8);
            OpenAndReadAll(bytes);
        }, iter: 400);
    }

    [Theory]
    [InlineData("99")] // found by the byte-damage property: Enum.TryParse took it and the size lookup threw
    [InlineData("15")]
    [InlineData("-1")]
    [InlineData("2")] // a defined value's number is not its name either
    public void A_dtype_given_as_a_number_is_refused_naming_the_tensor(string dtype)
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{\"t\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[0,8]}}}}");
        byte[] bytes = [.. new byte[8], .. header, .. new byte[8]];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        var error = OpenAndReadAll(bytes);
        Assert.NotNull(error);
        Assert.Contains($"tensor 't'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"unknown dtype '{dtype}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_the_header_is_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[1, 30], Gen.OneOf(Gen.Const(new byte[] { 0xC3 }), Gen.Const(new byte[] { 0xFF }), Gen.Const(new byte[] { 0xED, 0xA0, 0x80 }), Gen.Const(new byte[] { 0xC0, 0xAF })))
            .Sample((at, bad) =>
            {
                var bytes = (byte[])_valid.Clone();
                bad.CopyTo(bytes, 8 + at);
                Assert.NotNull(OpenAndReadAll(bytes));
            }, iter: 60);
    }
}
