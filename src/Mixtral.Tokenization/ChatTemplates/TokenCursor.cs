namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Reads a token list front to back for the parsers; the list always ends with <see cref="TokenKind.EndOfTemplate"/>.</summary>
internal sealed class TokenCursor(IReadOnlyList<JinjaToken> tokens)
{
    private int _index;

    public JinjaToken Peek(int ahead = 0) => tokens[Math.Min(_index + ahead, tokens.Count - 1)];

    public JinjaToken Next()
    {
        JinjaToken token = Peek();
        if (_index < tokens.Count - 1) _index++;
        return token;
    }

    public bool PeekIs(TokenKind kind, string value, int ahead = 0) => Peek(ahead).Is(kind, value);

    public bool PeekOperator(string op) => PeekIs(TokenKind.Operator, op);

    public bool PeekKeyword(string name) => PeekIs(TokenKind.Name, name);

    /// <summary>Consumes the next token if it is <paramref name="op"/>.</summary>
    public bool Accept(string op)
    {
        if (!PeekOperator(op)) return false;
        Next();
        return true;
    }

    public bool AcceptKeyword(string name)
    {
        if (!PeekKeyword(name)) return false;
        Next();
        return true;
    }

    public JinjaToken Expect(TokenKind kind, string what)
    {
        JinjaToken token = Peek();
        if (token.Kind != kind) throw new JinjaException($"expected {what} but found {token}", token.Position);
        return Next();
    }

    public void ExpectOperator(string op)
    {
        JinjaToken token = Peek();
        if (!token.Is(TokenKind.Operator, op)) throw new JinjaException($"expected '{op}' but found {token}", token.Position);
        Next();
    }

    public void ExpectKeyword(string name)
    {
        JinjaToken token = Peek();
        if (!token.Is(TokenKind.Name, name)) throw new JinjaException($"expected '{name}' but found {token}", token.Position);
        Next();
    }
}
