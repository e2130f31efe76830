using System.Runtime.InteropServices;

namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// Rows of hidden states crossing the wire: a small header (rows, hidden size, dtype) and ONE contiguous blob of
/// rows × hidden elements, row-major, little-endian. One blob rather than float[][] so that the serializer
/// copies a single span and the receiver converts it with one vectorised pass.
/// Immutable: the payload array is owned by the batch and never written after construction.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("Mixtral.HiddenStateBatch")]
public sealed class HiddenStateBatch
{
    [Id(0)] public int Rows { get; }
    [Id(1)] public int HiddenSize { get; }
    [Id(2)] public WireDType DType { get; }
    [Id(3)] private readonly byte[] _payload;

    private HiddenStateBatch(int rows, int hiddenSize, WireDType dtype, byte[] payload)
    {
        Rows = rows;
        HiddenSize = hiddenSize;
        DType = dtype;
        _payload = payload;
    }

    /// <summary>The encoded elements (rows × hidden × bytes per element).</summary>
    public ReadOnlyMemory<byte> Payload => _payload;

    public int ElementCount => Rows * HiddenSize;

    /// <summary>Encodes <paramref name="rowCount"/> rows of <paramref name="hidden"/> floats (row-major) as <paramref name="dtype"/>.</summary>
    public static HiddenStateBatch Encode(ReadOnlySpan<float> rows, int rowCount, int hidden, WireDType dtype)
    {
        long bytes = RequiredBytes(rowCount, hidden, dtype);
        if (rows.Length != (long)rowCount * hidden)
            throw new ArgumentException(
                $"hidden-state batch: {rowCount} rows × {hidden} needs {(long)rowCount * hidden} floats, got {rows.Length}", nameof(rows));
        byte[] payload = GC.AllocateUninitializedArray<byte>((int)bytes);
        switch (dtype)
        {
            case WireDType.BFloat16: BFloat16Conversion.Narrow(rows, MemoryMarshal.Cast<byte, ushort>(payload.AsSpan())); break;
            case WireDType.Float16: HalfConversion.Narrow(rows, MemoryMarshal.Cast<byte, ushort>(payload.AsSpan())); break;
            default: MemoryMarshal.AsBytes(rows).CopyTo(payload); break;
        }
        return new HiddenStateBatch(rowCount, hidden, dtype, payload);
    }

    /// <summary>
    /// Wraps an already-encoded payload (from another transport) after checking it against the header.
    /// The batch takes ownership of <paramref name="payload"/>: the caller must not write to it afterwards.
    /// </summary>
    public static HiddenStateBatch FromPayload(int rows, int hiddenSize, WireDType dtype, byte[] payload)
    {
        var batch = new HiddenStateBatch(rows, hiddenSize, dtype, payload);
        batch.Validate();
        return batch;
    }

    /// <summary>Decodes every element into <paramref name="destination"/>, which must hold exactly rows × hidden floats.</summary>
    public void DecodeInto(Span<float> destination)
    {
        Validate(); // a deserialised batch never went through a constructor: check its header here, once
        if (destination.Length != ElementCount)
            throw new ArgumentException(
                $"hidden-state batch: {Rows} rows × {HiddenSize} decode into exactly {ElementCount} floats, destination holds {destination.Length}",
                nameof(destination));
        ReadOnlySpan<byte> payload = _payload;
        switch (DType)
        {
            case WireDType.BFloat16: BFloat16Conversion.Widen(MemoryMarshal.Cast<byte, ushort>(payload), destination); break;
            case WireDType.Float16: HalfConversion.Widen(MemoryMarshal.Cast<byte, ushort>(payload), destination); break;
            default: payload.CopyTo(MemoryMarshal.AsBytes(destination)); break;
        }
    }

    public float[] Decode()
    {
        Validate(); // before allocating: a forged header's rows × hidden may be negative, wrapped, or far past the payload
        var values = new float[ElementCount];
        DecodeInto(values);
        return values;
    }

    /// <summary>Throws <see cref="WireFormatException"/> when the header is impossible or disagrees with the payload length.</summary>
    public void Validate()
    {
        long needed = RequiredBytes(Rows, HiddenSize, DType);
        int actual = _payload?.Length ?? 0;
        if (actual != needed)
            throw new WireFormatException(
                $"hidden-state batch: {Rows} rows × {HiddenSize} {DType.ShortName()} needs {needed} bytes, got {actual}");
    }

    /// <summary>Payload bytes for a header; throws <see cref="WireFormatException"/> naming the impossible field.</summary>
    public static long RequiredBytes(int rows, int hiddenSize, WireDType dtype)
    {
        if (rows < 0) throw new WireFormatException($"hidden-state batch: rows must be ≥ 0, got {rows}");
        if (hiddenSize <= 0) throw new WireFormatException($"hidden-state batch: hidden size must be positive, got {hiddenSize}");
        long bytes = (long)rows * hiddenSize * dtype.BytesPerElement();
        if (bytes > Array.MaxLength)
            throw new WireFormatException(
                $"hidden-state batch: {rows} rows × {hiddenSize} {dtype.ShortName()} is {bytes} bytes, over the {Array.MaxLength}-byte limit of one blob");
        return bytes;
    }
}
