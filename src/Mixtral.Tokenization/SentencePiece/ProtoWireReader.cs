namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// The protobuf wire format, only as far as reading tokenizer.model needs: varints, 32-bit fields and
/// length-delimited fields; every other field is skipped by its wire type.
/// </summary>
internal ref struct ProtoWireReader
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoWireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads a field key; returns the field number and sets the wire type.</summary>
    public int ReadKey(out int wireType)
    {
        ulong key = ReadVarint();
        wireType = (int)(key & 7);
        return checked((int)(key >> 3));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new FormatException($"varint longer than 10 bytes at offset {_position}");
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Take(4)));

    public ReadOnlySpan<byte> ReadLengthDelimited() => Take(checked((int)ReadVarint()));

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Take(8); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: Take(4); break;
            default: throw new FormatException($"unsupported protobuf wire type {wireType} at offset {_position}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > _data.Length)
            throw new FormatException($"field of {count} bytes at offset {_position} runs past the end ({_data.Length} bytes)");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
