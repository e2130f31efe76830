using Mixtral.Model.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

public class SafetensorsWriterTests
{
    // Expected files from the reference implementation's own tests (huggingface/safetensors,
    // safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement, test_empty).
    private static readonly byte[] F32Values = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];

    private static readonly byte[] RustAttnDot0 =
    [
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
        116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
        58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
        101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, .. F32Values,
    ];

    private static readonly byte[] RustAttn0ForcedAlignment =
    [
        72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
        121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
        91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
        115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
        32, 32, .. F32Values,
    ];

    private static readonly byte[] RustEmptyWithMetadata =
    [
        40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
        95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
        116, 34, 125, 125, 32, 32, 32, 32, 32,
    ];

    [Theory]
    [InlineData("attn.0", new long[] { 1, 2, 3 })]
    [InlineData("attn0", new long[] { 1, 1, 2, 3 })]
    public void One_f32_tensor_is_written_as_the_reference_writer_writes_it(string name, long[] shape)
    {
        using var dir = new TempDirectory();
        using var values = arange(6, dtype: ScalarType.Float32).reshape(shape);

        SafetensorsWriter.Write(dir.File("t.safetensors"), [(name, values)]);

        Assert.Equal(name == "attn0" ? RustAttn0ForcedAlignment : RustAttnDot0, File.ReadAllBytes(dir.File("t.safetensors")));
    }

    [Fact]
    public void Empty_file_with_metadata_is_written_as_the_reference_writer_writes_it()
    {
        using var dir = new TempDirectory();

        SafetensorsWriter.Write(dir.File("t.safetensors"), [], new Dictionary<string, string> { ["framework"] = "pt" });

        Assert.Equal(RustEmptyWithMetadata, File.ReadAllBytes(dir.File("t.safetensors")));
        using var file = SafetensorsFile.Open(dir.File("t.safetensors"));
        Assert.Empty(file.Tensors);
        Assert.Equal("pt", file.Metadata["framework"]);
    }

    [Theory]
    [InlineData(ScalarType.Float32, "F32")]
    [InlineData(ScalarType.BFloat16, "BF16")]
    [InlineData(ScalarType.Float16, "F16")]
    [InlineData(ScalarType.Int32, "I32")]
    [InlineData(ScalarType.Int64, "I64")]
    public void Tensor_round_trips_through_a_file_byte_for_byte(ScalarType dtype, string fileDType)
    {
        using var dir = new TempDirectory();
        using var source = linspace(-3.3, 3.7, 15).reshape(3, 5).mul(dtype is ScalarType.Int32 or ScalarType.Int64 ? 1e4 : 1).to(dtype);
        byte[] sourceBytes = source.bytes.ToArray();

        SafetensorsWriter.Write(dir.File("t.safetensors"), [("w", source)]);
        var raw = RawSafetensors.Open(dir.File("t.safetensors"));
        using var file = SafetensorsFile.Open(dir.File("t.safetensors"));
        using var read = file.Read("w");

        Assert.Equal(fileDType, raw.DType("w"));
        Assert.Equal([3L, 5], raw.Shape("w"));
        Assert.Equal(sourceBytes, raw.Bytes("w"));
        Assert.Equal(dtype, read.dtype);
        Assert.Equal([3L, 5], read.shape);
        Assert.Equal(sourceBytes, read.bytes.ToArray());
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Half_precision_widens_to_f32_exactly(ScalarType dtype)
    {
        using var dir = new TempDirectory();
        using var source = randn(4, 7).to(dtype);
        SafetensorsWriter.Write(dir.File("t.safetensors"), [("w", source)]);
        byte[] raw = RawSafetensors.Open(dir.File("t.safetensors")).Bytes("w");

        using var file = SafetensorsFile.Open(dir.File("t.safetensors"));
        using var widened = file.Read("w", ScalarType.Float32);

        var expected = dtype == ScalarType.BFloat16 ? ExactFloats.FromBFloat16(raw) : ExactFloats.FromFloat16(raw);
        ExactFloats.AssertBitwiseEqual(expected, widened.data<float>().ToArray());
    }

    [Fact]
    public void Layout_is_by_descending_dtype_then_name_with_the_header_padded_to_8_bytes()
    {
        using var dir = new TempDirectory();
        using var b = ones(3, dtype: ScalarType.Float16);
        using var a = ones(2, dtype: ScalarType.Float32);
        using var c = ones(1, dtype: ScalarType.Int64);
        using var d = ones(5, dtype: ScalarType.Float32);

        SafetensorsWriter.Write(dir.File("t.safetensors"), [("b", b), ("d", d), ("c", c), ("a", a)]);

        var raw = RawSafetensors.Open(dir.File("t.safetensors"));
        Assert.Equal(0, raw.HeaderLength % 8);
        Assert.Equal(["c", "a", "d", "b"], raw.TensorNames);
        Assert.Equal([(0L, 8L), (8L, 16L), (16L, 36L), (36L, 42L)], raw.TensorNames.Select(raw.Offsets));
        Assert.Equal(8 + raw.HeaderLength + 42, new FileInfo(dir.File("t.safetensors")).Length);
    }

    [Fact]
    public void Non_contiguous_tensor_is_written_in_logical_order()
    {
        using var dir = new TempDirectory();
        using var matrix = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        using var transposed = matrix.t();
        using var expected = transposed.contiguous();

        SafetensorsWriter.Write(dir.File("t.safetensors"), [("t", transposed)]);

        Assert.Equal(expected.bytes.ToArray(), RawSafetensors.Open(dir.File("t.safetensors")).Bytes("t"));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(6)]
    public void Large_tensors_are_visited_in_slices_that_cover_their_memory_in_order(long maxChunkBytes)
    {
        using var tensor = zeros(3, 5, dtype: ScalarType.Float32);
        var chunks = new List<(long Offset, int Length)>();

        TensorMemory.ForEachChunk(tensor, (chunk, offset) =>
        {
            for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)(offset + i);
            chunks.Add((offset, chunk.Length));
        }, maxChunkBytes);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(c.Length <= maxChunkBytes && c.Length % 4 == 0));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (byte)i), tensor.bytes.ToArray());
    }
}
