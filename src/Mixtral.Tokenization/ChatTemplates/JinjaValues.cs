using System.Globalization;
using System.Text;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// Python's value semantics, which Jinja templates are written against, over the values the interpreter uses:
/// <see cref="string"/>, <see cref="long"/>, <see cref="bool"/>, null (None), <see cref="Undefined"/>,
/// lists (<c>IReadOnlyList&lt;object?&gt;</c>), dictionaries (<c>IReadOnlyDictionary&lt;string, object?&gt;</c>),
/// <see cref="LoopContext"/> and <see cref="JinjaFunction"/>.
/// </summary>
internal static class JinjaValues
{
    public static bool IsTrue(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long n => n != 0,
        string s => s.Length > 0,
        IReadOnlyList<object?> list => list.Count > 0,
        IReadOnlyDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str()</c>, which <c>{{ }}</c> outputs; undefined is the empty string.</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c> (how a string shows inside a printed list).</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long n => n.ToString(CultureInfo.InvariantCulture),
        string s => QuoteString(s),
        Undefined => "",
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        IReadOnlyDictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(kv => QuoteString(kv.Key) + ": " + Repr(kv.Value))) + "}",
        JinjaFunction f => $"<function {f.Name}>",
        _ => $"<{TypeName(value)} object>",
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        string => "str",
        Undefined => "undefined",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> => "dict",
        LoopContext => "LoopContext",
        JinjaFunction => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>==</c>: <c>True == 1</c>, lists and dicts by content, values of different types unequal.</summary>
    public static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (Undefined, Undefined) => true,
        (long or bool, long or bool) => AsInteger(a) == AsInteger(b),
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (IReadOnlyList<object?> x, IReadOnlyList<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
        (IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y) =>
            x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out object? other) && AreEqual(kv.Value, other)),
        _ => ReferenceEquals(a, b),
    };

    /// <summary>Python's ordering of two integers or two strings (by code point); anything else is a type error.</summary>
    public static int Compare(object? a, object? b, string op, SourcePosition position) => (a, b) switch
    {
        (long or bool, long or bool) => AsInteger(a).CompareTo(AsInteger(b)),
        (string x, string y) => CompareCodePoints(x, y),
        (Undefined u, _) => throw u.Error(position),
        (_, Undefined u) => throw u.Error(position),
        _ => throw new JinjaException($"'{op}' not supported between '{TypeName(a)}' and '{TypeName(b)}'", position),
    };

    public static long AsInteger(object? value) => value switch
    {
        long n => n,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException($"{TypeName(value)} is not an integer"),
    };

    /// <summary>Python's <c>str.isspace</c> characters: .NET's white space plus the four information separators.</summary>
    public static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static int CompareCodePoints(string x, string y)
    {
        // Ordinal comparison of UTF-16 would sort U+E000..U+FFFF after astral characters; Python compares code points.
        var a = x.EnumerateRunes().GetEnumerator();
        var b = y.EnumerateRunes().GetEnumerator();
        while (true)
        {
            bool hasA = a.MoveNext(), hasB = b.MoveNext();
            if (!hasA || !hasB) return hasA.CompareTo(hasB);
            int byRune = a.Current.Value.CompareTo(b.Current.Value);
            if (byRune != 0) return byRune;
        }
    }

    private static string QuoteString(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        }
        return builder.Append(quote).ToString();
    }
}
