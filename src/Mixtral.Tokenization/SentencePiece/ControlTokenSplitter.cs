namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// Splits text at the literal strings of the control and unknown pieces (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>,
/// <c>&lt;unk&gt;</c>), as Hugging Face splits on added special tokens before encoding a rendered chat template.
/// </summary>
internal sealed class ControlTokenSplitter
{
    private readonly (string Text, int Id)[] _tokens;

    public ControlTokenSplitter(IReadOnlyList<ModelPiece> pieces)
    {
        // Longest first, so that a token that is a prefix of another never wins over it.
        _tokens = pieces.Select((p, id) => (p, id))
            .Where(x => x.p.Type is PieceType.Control or PieceType.Unknown && x.p.Piece.Length > 0)
            .Select(x => (x.p.Piece, x.id))
            .OrderByDescending(t => t.Piece.Length)
            .ToArray();
    }

    /// <summary>The text segments (ControlId null; never empty) and control tokens of <paramref name="text"/>, in order.</summary>
    public IEnumerable<(string Segment, int? ControlId)> Split(string text)
    {
        int segmentStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            foreach ((string token, int id) in _tokens)
            {
                if (string.CompareOrdinal(text, i, token, 0, token.Length) != 0) continue;
                if (i > segmentStart) yield return (text[segmentStart..i], null);
                yield return (token, id);
                segmentStart = i + token.Length;
                i = segmentStart - 1;
                break;
            }
        }
        if (segmentStart < text.Length) yield return (text[segmentStart..], null);
    }
}
