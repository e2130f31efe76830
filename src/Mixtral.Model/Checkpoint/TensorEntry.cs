namespace Mixtral.Model.Checkpoint;

/// <summary>
/// One tensor as a safetensors header describes it. <paramref name="DataOffset"/> is absolute (from the
/// start of <paramref name="FilePath"/>), so the tensor is the <paramref name="ByteLength"/> bytes there.
/// </summary>
public sealed record TensorEntry(string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength, string FilePath)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
