using MessagePack;

namespace Mixtral.Benchmarks.Wire;

/// <summary>
/// The MessagePack candidate for the hidden-state wire format: the same header and one bin-encoded blob as
/// <c>HiddenStateBatch</c>, so the two codecs are compared on identical content.
/// </summary>
[MessagePackObject]
public sealed record MessagePackHiddenStateBatch(
    [property: Key(0)] int Rows,
    [property: Key(1)] int HiddenSize,
    [property: Key(2)] byte DType,
    [property: Key(3)] byte[] Payload);
