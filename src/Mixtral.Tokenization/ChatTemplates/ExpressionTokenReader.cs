using System.Text;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Reads one token inside a <c>{{ }}</c> or <c>{% %}</c> tag: a name, a string or integer literal, or an operator.</summary>
internal static class ExpressionTokenReader
{
    private static readonly string[] TwoCharOperators = ["==", "!=", "<=", ">=", "//", "**"];
    private const string OneCharOperators = "+-*/%~<>()[]{}.,:|=";

    public static JinjaToken Read(string source, ref int position, Func<int, SourcePosition> at)
    {
        int start = position;
        char c = source[position];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (position < source.Length && (char.IsAsciiLetterOrDigit(source[position]) || source[position] == '_')) position++;
            return new JinjaToken(TokenKind.Name, source[start..position], at(start));
        }
        if (char.IsAsciiDigit(c))
        {
            while (position < source.Length && (char.IsAsciiDigit(source[position]) || source[position] == '_')) position++;
            if (position < source.Length && source[position] == '.' && position + 1 < source.Length && char.IsAsciiDigit(source[position + 1]))
                throw new JinjaException("float literals are not supported", at(start));
            return new JinjaToken(TokenKind.Integer, source[start..position].Replace("_", "", StringComparison.Ordinal), at(start));
        }
        if (c is '\'' or '"') return ReadString(source, ref position, at);
        foreach (string op in TwoCharOperators)
        {
            if (string.CompareOrdinal(source, position, op, 0, 2) != 0) continue;
            position += 2;
            return new JinjaToken(TokenKind.Operator, op, at(start));
        }
        if (OneCharOperators.Contains(c, StringComparison.Ordinal))
        {
            position++;
            return new JinjaToken(TokenKind.Operator, c.ToString(), at(start));
        }
        throw new JinjaException($"unexpected character '{c}'", at(start));
    }

    /// <summary>A quoted literal with Python's common escapes (<c>\n \t \r \\ \' \"</c>); other backslashes stay as written, as in Python.</summary>
    private static JinjaToken ReadString(string source, ref int position, Func<int, SourcePosition> at)
    {
        int start = position;
        char quote = source[position++];
        var value = new StringBuilder();
        while (position < source.Length && source[position] != quote)
        {
            char c = source[position++];
            if (c != '\\' || position >= source.Length)
            {
                value.Append(c);
                continue;
            }
            char escaped = source[position++];
            value.Append(escaped switch
            {
                'n' => "\n",
                't' => "\t",
                'r' => "\r",
                '\\' or '\'' or '"' => escaped.ToString(),
                _ => "\\" + escaped,
            });
        }
        if (position >= source.Length) throw new JinjaException("unterminated string literal", at(start));
        position++;
        return new JinjaToken(TokenKind.String, value.ToString(), at(start));
    }
}
