namespace Mixtral.Tokenization.ChatTemplates;

internal enum TokenKind
{
    /// <summary>Literal template text, whitespace control already applied.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    OutputStart,
    /// <summary><c>}}</c></summary>
    OutputEnd,
    /// <summary><c>{%</c></summary>
    StatementStart,
    /// <summary><c>%}</c></summary>
    StatementEnd,
    Name,
    String,
    Integer,
    /// <summary>An operator or punctuation: <c>== != &lt;= &gt;= // + - * / % ~ &lt; &gt; ( ) [ ] { } . , : | =</c>.</summary>
    Operator,
    EndOfTemplate,
}

/// <summary>One token of a template; <see cref="Value"/> is the text, the unescaped string, the digits or the operator.</summary>
internal readonly record struct JinjaToken(TokenKind Kind, string Value, SourcePosition Position)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public override string ToString() => Kind switch
    {
        TokenKind.EndOfTemplate => "end of template",
        TokenKind.Text => "template text",
        TokenKind.String => $"string '{Value}'",
        _ => $"'{Value}'",
    };
}
