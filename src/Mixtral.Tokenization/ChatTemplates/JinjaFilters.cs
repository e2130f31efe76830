namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The <c>| filter</c>s of this subset: <c>trim</c> (optionally with the characters to strip), <c>length</c> (alias <c>count</c>), <c>lower</c>, <c>upper</c>.</summary>
internal static class JinjaFilters
{
    /// <summary>The filters <see cref="Apply"/> knows; the parser refuses others, so a template fails when loaded, not when first used.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "trim", "length", "count", "lower", "upper" };

    public static object? Apply(string filter, object? value, IReadOnlyList<object?> arguments, SourcePosition position)
    {
        // Jinja's trim is str(value).strip(chars), undefined being "".
        if (filter == "trim") return StringMethods.Call(JinjaValues.ToText(value), "strip", arguments, position);
        if (arguments.Count > 0) throw new JinjaException($"filter '{filter}' takes no arguments", position);
        return filter switch
        {
            "length" or "count" => Length(value, filter, position),
            "lower" => JinjaValues.ToText(value).ToLowerInvariant(),
            "upper" => JinjaValues.ToText(value).ToUpperInvariant(),
            _ => throw new JinjaException($"unsupported filter '{filter}'", position),
        };
    }

    /// <summary>Python's <c>len()</c>: a string's length counts code points, so an emoji is 1.</summary>
    private static long Length(object? value, string filter, SourcePosition position) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        IReadOnlyList<object?> list => list.Count,
        IReadOnlyDictionary<string, object?> dict => dict.Count,
        Undefined => 0,
        _ => throw new JinjaException($"filter '{filter}': object of type '{JinjaValues.TypeName(value)}' has no length", position),
    };
}
