namespace Mixtral.Model.Generation;

/// <summary>
/// Turns generated token ids into text incrementally, never emitting half a character. The model library
/// only needs this to watch for stop sequences; the tokenizer library provides it (adapted by the host).
/// </summary>
public interface ITextStreamDecoder
{
    /// <summary>Adds one token; returns the text it completed (possibly empty).</summary>
    string Push(int tokenId);

    /// <summary>The end of the sequence: returns whatever is still held.</summary>
    string Flush();
}
