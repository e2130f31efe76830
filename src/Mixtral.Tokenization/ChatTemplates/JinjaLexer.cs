namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control as Hugging Face's chat-template
/// environment does: <c>{%-</c>/<c>-%}</c> (and the same on <c>{{ }}</c>, <c>{# #}</c>) strip whitespace on that side,
/// <c>trim_blocks</c> drops the first newline after a statement or comment tag, <c>lstrip_blocks</c> drops the spaces
/// and tabs before a statement or comment tag that starts a line (unless it is written <c>{%+</c>), and the
/// template's one trailing newline is dropped (Jinja's <c>keep_trailing_newline=False</c>).
/// </summary>
internal sealed class JinjaLexer
{
    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];
    private int _position;
    private bool _stripNextText;    // the previous tag ended with '-'
    private bool _trimNextNewline;  // the previous tag was a statement or comment (trim_blocks)

    private JinjaLexer(string source)
    {
        _source = source.EndsWith('\n') ? source[..^1] : source;
        for (int i = 0; i < _source.Length; i++)
            if (_source[i] == '\n') _lineStarts.Add(i + 1);
    }

    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_position < _source.Length)
        {
            int tag = FindTagStart(_position);
            int textEnd = tag < 0 ? _source.Length : tag;
            char modifier = tag >= 0 && tag + 2 < _source.Length ? _source[tag + 2] : '\0';
            bool isBlockTag = tag >= 0 && _source[tag + 1] != '{';
            AddText(_position, textEnd, stripEnd: modifier == '-', lstripLine: isBlockTag && modifier != '+');
            if (tag < 0) break;

            _position = tag + 2 + (modifier is '-' or '+' ? 1 : 0);
            switch (_source[tag + 1])
            {
                case '#': SkipComment(tag); break;
                case '%': LexTag(tag, TokenKind.StatementStart, "{%", TokenKind.StatementEnd, '%'); break;
                default: LexTag(tag, TokenKind.OutputStart, "{{", TokenKind.OutputEnd, '}'); break;
            }
        }
        _tokens.Add(new JinjaToken(TokenKind.EndOfTemplate, "", At(_source.Length)));
    }

    private int FindTagStart(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
            if (_source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private void AddText(int start, int end, bool stripEnd, bool lstripLine)
    {
        string text = _source[start..end];
        // The end first: lstrip_blocks looks at the raw text to see whether the tag starts a line.
        if (stripEnd) text = text.TrimEnd();
        else if (lstripLine) text = StripIndentBeforeTag(text, start);
        if (_stripNextText) text = text.TrimStart();
        else if (_trimNextNewline && text.StartsWith('\n')) text = text[1..];
        else if (_trimNextNewline && text.StartsWith("\r\n", StringComparison.Ordinal)) text = text[2..];
        _stripNextText = _trimNextNewline = false;
        if (text.Length > 0) _tokens.Add(new JinjaToken(TokenKind.Text, text, At(start)));
    }

    /// <summary>lstrip_blocks: spaces and tabs between the start of a line and a block tag are not output.</summary>
    private string StripIndentBeforeTag(string text, int textStart)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        bool atLineStart = lineStart > 0 || textStart == 0 || _source[textStart - 1] == '\n';
        if (!atLineStart) return text;
        for (int i = lineStart; i < text.Length; i++)
            if (text[i] is not (' ' or '\t')) return text;
        return text[..lineStart];
    }

    private void SkipComment(int tagStart)
    {
        int end = _source.IndexOf("#}", _position, StringComparison.Ordinal);
        if (end < 0) throw new JinjaException("unclosed comment '{#'", At(tagStart));
        _stripNextText = _source[end - 1] == '-' && end - 1 >= _position;
        _trimNextNewline = !_stripNextText;
        _position = end + 2;
    }

    private void LexTag(int tagStart, TokenKind startKind, string opener, TokenKind endKind, char closerFirst)
    {
        _tokens.Add(new JinjaToken(startKind, opener, At(tagStart)));
        while (true)
        {
            while (_position < _source.Length && char.IsWhiteSpace(_source[_position])) _position++;
            if (_position >= _source.Length) throw new JinjaException($"unclosed '{opener}'", At(tagStart));
            bool stripAfter = _source[_position] == '-' && At2(_position + 1, closerFirst, '}');
            if (stripAfter || At2(_position, closerFirst, '}'))
            {
                _position += stripAfter ? 3 : 2;
                _tokens.Add(new JinjaToken(endKind, $"{closerFirst}}}", At(_position - 2)));
                _stripNextText = stripAfter;
                _trimNextNewline = !stripAfter && endKind == TokenKind.StatementEnd;
                return;
            }
            _tokens.Add(ExpressionTokenReader.Read(_source, ref _position, At));
        }
    }

    private bool At2(int index, char first, char second) =>
        index + 1 < _source.Length && _source[index] == first && _source[index + 1] == second;

    private SourcePosition At(int index)
    {
        int line = _lineStarts.BinarySearch(index);
        if (line < 0) line = ~line - 1;
        return new SourcePosition(line + 1, index - _lineStarts[line] + 1);
    }
}
