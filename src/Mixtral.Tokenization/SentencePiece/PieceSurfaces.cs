using System.Text;

namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// What each id contributes to decoded text, as UTF-8 bytes, computed once: a normal piece its text with
/// <c>▁</c> as a space, a <c>&lt;0xNN&gt;</c> piece its single byte, a control or unknown piece nothing
/// (those are the special tokens that decoding skips).
/// </summary>
internal sealed class PieceSurfaces
{
    private readonly byte[][] _bytes;
    private readonly bool[] _isByte;
    private readonly bool[] _isSpecial;

    public PieceSurfaces(IReadOnlyList<ModelPiece> pieces)
    {
        _bytes = new byte[pieces.Count][];
        _isByte = new bool[pieces.Count];
        _isSpecial = new bool[pieces.Count];
        for (int id = 0; id < pieces.Count; id++)
        {
            ModelPiece piece = pieces[id];
            _isByte[id] = piece.Type == PieceType.Byte;
            _isSpecial[id] = piece.Type is PieceType.Control or PieceType.Unknown;
            _bytes[id] = _isByte[id] ? [ParseByte(piece.Piece)]
                : _isSpecial[id] ? []
                : Encoding.UTF8.GetBytes(piece.Piece.Replace(SentencePieceBpeEncoder.SpaceSymbol, ' '));
        }
    }

    public int Count => _bytes.Length;

    public bool IsByte(int id) => _isByte[id];

    public bool IsSpecial(int id) => _isSpecial[id];

    public ReadOnlySpan<byte> Bytes(int id) => _bytes[id];

    /// <summary>Parses <c>&lt;0xNN&gt;</c>, the only form sentencepiece gives byte pieces.</summary>
    public static byte ParseByte(string piece) =>
        piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte value)
            ? value
            : throw new TokenizerFormatException($"byte piece '{piece}' is not of the form <0xNN>");
}
