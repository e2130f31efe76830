namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Python's comparison operators: <c>== != &lt; &gt; &lt;= &gt;=</c>, <c>in</c> and <c>not in</c>.</summary>
internal static class Comparison
{
    public static bool Holds(string op, object? left, object? right, SourcePosition position) => op switch
    {
        "==" => JinjaValues.AreEqual(left, right),
        "!=" => !JinjaValues.AreEqual(left, right),
        "<" => JinjaValues.Compare(left, right, op, position) < 0,
        ">" => JinjaValues.Compare(left, right, op, position) > 0,
        "<=" => JinjaValues.Compare(left, right, op, position) <= 0,
        ">=" => JinjaValues.Compare(left, right, op, position) >= 0,
        "in" => Contains(right, left, position),
        "not in" => !Contains(right, left, position),
        _ => throw new JinjaException($"unsupported comparison '{op}'", position),
    };

    private static bool Contains(object? container, object? item, SourcePosition position) => (container, item) switch
    {
        (string text, string part) => text.Contains(part, StringComparison.Ordinal),
        (IReadOnlyList<object?> list, _) => list.Any(element => JinjaValues.AreEqual(element, item)),
        (IReadOnlyDictionary<string, object?> dict, string key) => dict.ContainsKey(key),
        (IReadOnlyDictionary<string, object?>, _) => false,
        (Undefined undefined, _) => throw undefined.Error(position),
        _ => throw new JinjaException($"'in' not supported between '{JinjaValues.TypeName(item)}' and '{JinjaValues.TypeName(container)}'", position),
    };
}
