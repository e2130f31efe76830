using System.Text;
using Mixtral.Tokenization.SentencePiece;

namespace Mixtral.Tokenization;

/// <summary>
/// Turns ids into text one at a time, as they are generated, returning only complete characters: the bytes of a
/// UTF-8 character split over several <c>&lt;0xNN&gt;</c> pieces are held back until the character is whole, so a
/// stream never shows U+FFFD for an emoji or CJK character. The concatenation of every <see cref="Push"/> and the
/// final <see cref="Flush"/> equals <see cref="MixtralTokenizer.Decode"/> of the same ids (special tokens skipped).
/// Not thread-safe: one decoder per sequence.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly PieceSurfaces _surfaces;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private bool _atStart = true;

    internal StreamingDecoder(PieceSurfaces surfaces) => _surfaces = surfaces;

    /// <summary>Adds one id; returns the text it completes (often empty while a character is incomplete).</summary>
    public string Push(int id)
    {
        if ((uint)id >= (uint)_surfaces.Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary [0, {_surfaces.Count})");
        // A special token ends a pending byte sequence as it does in Decode (sentencepiece): an incomplete character before it is U+FFFD.
        if (_surfaces.IsSpecial(id)) return DecodeBytes([], flush: true);
        ReadOnlySpan<byte> bytes = _surfaces.Bytes(id);
        if (_atStart && !_surfaces.IsByte(id))
        {
            // The dummy-prefix space sentencepiece put before the text: dropped from the first text piece, as
            // sentencepiece, Hugging Face and Microsoft.ML.Tokenizers decoding do. Byte pieces before it do not
            // count as that first piece (sentencepiece's rule, which the library's Decode follows too).
            if (bytes.Length > 0 && bytes[0] == (byte)' ') bytes = bytes[1..];
            _atStart = false;
        }
        return DecodeBytes(bytes, flush: false);
    }

    /// <summary>Ends the sequence: returns what was held back (an incomplete character becomes U+FFFD) and resets the decoder for a new sequence.</summary>
    public string Flush()
    {
        string rest = DecodeBytes([], flush: true);
        _utf8.Reset();
        _atStart = true;
        return rest;
    }

    private string DecodeBytes(ReadOnlySpan<byte> bytes, bool flush)
    {
        // GetCharCount leaves the decoder's state alone; GetChars then consumes the bytes (held-back ones included).
        int count = _utf8.GetCharCount(bytes, flush);
        Span<char> chars = count <= 256 ? stackalloc char[count] : new char[count];
        int written = _utf8.GetChars(bytes, chars, flush);
        return new string(chars[..written]);
    }
}
