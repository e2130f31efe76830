namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Parses the statement structure of a template: text, <c>{{ }}</c>, <c>if</c>, <c>for</c>, <c>set</c>.</summary>
internal sealed class TemplateParser
{
    /// <summary>Jinja statements this subset does not implement; named in the error instead of "unknown statement".</summary>
    private static readonly HashSet<string> Unsupported =
        ["macro", "call", "filter", "block", "extends", "include", "import", "from", "raw", "with", "autoescape", "break", "continue", "generation", "do"];

    private readonly TokenCursor _cursor;
    private readonly ExpressionParser _expressions;

    private TemplateParser(IReadOnlyList<JinjaToken> tokens)
    {
        _cursor = new TokenCursor(tokens);
        _expressions = new ExpressionParser(_cursor);
    }

    public static IReadOnlyList<TemplateNode> Parse(string source)
    {
        var parser = new TemplateParser(JinjaLexer.Tokenize(source));
        (List<TemplateNode> body, _) = parser.ParseBody(opener: null);
        return body;
    }

    /// <summary>
    /// Parses nodes until one of <paramref name="terminators"/> opens a statement (returned, with its
    /// <c>{%</c> and keyword consumed) or, at the top level only, the end of the template.
    /// </summary>
    private (List<TemplateNode> Body, string Terminator) ParseBody(JinjaToken? opener, params string[] terminators)
    {
        var body = new List<TemplateNode>();
        while (true)
        {
            JinjaToken token = _cursor.Next();
            switch (token.Kind)
            {
                case TokenKind.Text:
                    body.Add(new TextNode(token.Value, token.Position));
                    break;
                case TokenKind.OutputStart:
                    body.Add(new OutputNode(_expressions.Parse(), token.Position));
                    _cursor.Expect(TokenKind.OutputEnd, "'}}'");
                    break;
                case TokenKind.StatementStart:
                    JinjaToken keyword = _cursor.Expect(TokenKind.Name, "a statement name");
                    if (terminators.Contains(keyword.Value)) return (body, keyword.Value);
                    if (opener is not null && keyword.Value is "elif" or "else" or "endif" or "endfor")
                        throw new JinjaException($"unexpected '{{% {keyword.Value} %}}' inside '{{% {opener.Value.Value} %}}' opened at {opener.Value.Position}; "
                            + $"expected '{{% {terminators[^1]} %}}'", keyword.Position);
                    body.Add(ParseStatement(keyword));
                    break;
                case TokenKind.EndOfTemplate when opener is null:
                    return (body, "");
                case TokenKind.EndOfTemplate:
                    throw new JinjaException(
                        $"'{{% {opener.Value.Value} %}}' at {opener.Value.Position} is never closed with '{{% {terminators[^1]} %}}'", token.Position);
                default:
                    throw new JinjaException($"unexpected {token}", token.Position);
            }
        }
    }

    private TemplateNode ParseStatement(JinjaToken keyword) => keyword.Value switch
    {
        "if" => ParseIf(keyword),
        "for" => ParseFor(keyword),
        "set" => ParseSet(keyword),
        "elif" or "else" or "endif" or "endfor" => throw new JinjaException($"'{{% {keyword.Value} %}}' without a matching opening statement", keyword.Position),
        _ when Unsupported.Contains(keyword.Value) => throw new JinjaException($"unsupported statement '{{% {keyword.Value} %}}'", keyword.Position),
        _ => throw new JinjaException($"unknown statement '{{% {keyword.Value} %}}'", keyword.Position),
    };

    private IfNode ParseIf(JinjaToken keyword)
    {
        var branches = new List<IfBranch>();
        Expression condition = ParseStatementExpression();
        while (true)
        {
            (List<TemplateNode> body, string terminator) = ParseBody(keyword, "elif", "else", "endif");
            branches.Add(new IfBranch(condition, body));
            if (terminator == "endif")
            {
                EndStatement();
                return new IfNode(branches, [], keyword.Position);
            }
            if (terminator == "else")
            {
                EndStatement();
                (List<TemplateNode> otherwise, _) = ParseBody(keyword, "endif");
                EndStatement();
                return new IfNode(branches, otherwise, keyword.Position);
            }
            condition = ParseStatementExpression(); // elif
        }
    }

    private ForNode ParseFor(JinjaToken keyword)
    {
        string variable = _cursor.Expect(TokenKind.Name, "a loop variable").Value;
        if (_cursor.PeekOperator(",")) throw new JinjaException("unpacking several loop variables is not supported", _cursor.Peek().Position);
        _cursor.ExpectKeyword("in");
        Expression iterable = _expressions.Parse();
        if (_cursor.PeekKeyword("recursive")) throw new JinjaException("recursive loops are not supported", _cursor.Peek().Position);
        EndStatement();
        (List<TemplateNode> body, string terminator) = ParseBody(keyword, "else", "endfor");
        List<TemplateNode> otherwise = [];
        if (terminator == "else")
        {
            EndStatement();
            (otherwise, _) = ParseBody(keyword, "endfor");
        }
        EndStatement();
        return new ForNode(variable, iterable, body, otherwise, keyword.Position);
    }

    private SetNode ParseSet(JinjaToken keyword)
    {
        string name = _cursor.Expect(TokenKind.Name, "a variable name").Value;
        if (_cursor.PeekOperator(".")) throw new JinjaException("assigning to an attribute (namespace objects) is not supported", _cursor.Peek().Position);
        if (_cursor.PeekIs(TokenKind.StatementEnd, "%}")) throw new JinjaException("block assignment '{% set x %}…{% endset %}' is not supported", keyword.Position);
        _cursor.ExpectOperator("=");
        return new SetNode(name, ParseStatementExpression(), keyword.Position);
    }

    private Expression ParseStatementExpression()
    {
        Expression expression = _expressions.Parse();
        EndStatement();
        return expression;
    }

    private void EndStatement() => _cursor.Expect(TokenKind.StatementEnd, "'%}'");
}
