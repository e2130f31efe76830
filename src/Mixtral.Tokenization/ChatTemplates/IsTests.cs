namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The <c>is</c> tests of this subset: <c>defined</c>, <c>undefined</c>, <c>none</c>, <c>string</c>, <c>number</c>, <c>boolean</c>.</summary>
internal static class IsTests
{
    /// <summary>The tests <see cref="Apply"/> knows; the parser refuses others.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "defined", "undefined", "none", "string", "number", "boolean" };

    public static bool Apply(string test, object? value, SourcePosition position) => test switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or bool, // Python's bool is a number
        "boolean" => value is bool,
        _ => throw new JinjaException($"unsupported test 'is {test}'", position),
    };
}
