namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The Python <c>str</c> methods templates call: <c>strip lstrip rstrip lower upper startswith endswith</c>.</summary>
internal static class StringMethods
{
    public static object? Call(string target, string method, IReadOnlyList<object?> arguments, SourcePosition position)
    {
        switch (method)
        {
            case "strip" or "lstrip" or "rstrip":
                RequireCount(method, arguments, 0, 1, position);
                string? chars = arguments.Count == 0 || arguments[0] is null ? null : RequireString(method, arguments[0], position);
                Func<char, bool> strips = chars is null ? JinjaValues.IsPythonSpace : c => chars.Contains(c, StringComparison.Ordinal);
                int start = 0, end = target.Length;
                if (method != "rstrip") while (start < end && strips(target[start])) start++;
                if (method != "lstrip") while (end > start && strips(target[end - 1])) end--;
                return target[start..end];
            case "lower":
                RequireCount(method, arguments, 0, 0, position);
                return target.ToLowerInvariant();
            case "upper":
                RequireCount(method, arguments, 0, 0, position);
                return target.ToUpperInvariant();
            case "startswith":
                RequireCount(method, arguments, 1, 1, position);
                return target.StartsWith(RequireString(method, arguments[0], position), StringComparison.Ordinal);
            case "endswith":
                RequireCount(method, arguments, 1, 1, position);
                return target.EndsWith(RequireString(method, arguments[0], position), StringComparison.Ordinal);
            default:
                throw new JinjaException($"unsupported string method '{method}'", position);
        }
    }

    private static void RequireCount(string method, IReadOnlyList<object?> arguments, int min, int max, SourcePosition position)
    {
        if (arguments.Count < min || arguments.Count > max)
            throw new JinjaException($"str.{method}() takes {(min == max ? $"{min}" : $"{min} to {max}")} arguments, got {arguments.Count}", position);
    }

    private static string RequireString(string method, object? argument, SourcePosition position) =>
        argument as string ?? throw new JinjaException($"str.{method}() needs a string argument, got '{JinjaValues.TypeName(argument)}'", position);
}
