namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Python's <c>+ - * // %</c> on integers (floor division and a modulo with the divisor's sign), <c>+</c> and <c>*</c> on strings and lists, and Jinja's <c>~</c>.</summary>
internal static class Arithmetic
{
    public static object? Apply(string op, object? left, object? right, SourcePosition position)
    {
        if (op == "~") return JinjaValues.ToText(left) + JinjaValues.ToText(right);
        if (left is Undefined l) throw l.Error(position);
        if (right is Undefined r) throw r.Error(position);
        try
        {
            return (op, left, right) switch
            {
                ("+", string a, string b) => a + b,
                ("+", IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Concat(b).ToList(),
                ("*", string a, long n) => string.Concat(Enumerable.Repeat(a, (int)Math.Max(0, n))),
                ("%", string, _) => throw new JinjaException("string formatting with '%' is not supported", position),
                (_, long or bool, long or bool) => Integer(op, JinjaValues.AsInteger(left), JinjaValues.AsInteger(right), position),
                _ => throw new JinjaException(
                    $"unsupported operand types for {op}: '{JinjaValues.TypeName(left)}' and '{JinjaValues.TypeName(right)}'", position),
            };
        }
        catch (OverflowException)
        {
            throw new JinjaException($"integer overflow in '{op}'", position);
        }
    }

    private static long Integer(string op, long a, long b, SourcePosition position)
    {
        if (op is "//" or "%" && b == 0) throw new JinjaException("integer division or modulo by zero", position);
        return op switch
        {
            "+" => checked(a + b),
            "-" => checked(a - b),
            "*" => checked(a * b),
            "//" => FloorDiv(a, b),
            "%" => a - checked(FloorDiv(a, b) * b),
            _ => throw new JinjaException($"unsupported operator '{op}'", position),
        };
    }

    private static long FloorDiv(long a, long b)
    {
        long quotient = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
    }
}
