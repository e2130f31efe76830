using System.Text;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Evaluates an <see cref="Expression"/> in a <see cref="Scope"/> with Jinja's (Python's) semantics.</summary>
internal static class ExpressionEvaluator
{
    public static object? Evaluate(Expression expression, Scope scope) => expression switch
    {
        LiteralExpression literal => literal.Value,
        NameExpression name => scope.TryGet(name.Name, out object? value) ? value : new Undefined(name.Name),
        ListExpression list => list.Items.Select(item => Evaluate(item, scope)).ToList(),
        AttributeExpression attribute => GetAttribute(Evaluate(attribute.Target, scope), attribute),
        SubscriptExpression subscript => GetItem(Evaluate(subscript.Target, scope), Evaluate(subscript.Index, scope), subscript.Position),
        SliceExpression slice => Slicing.Apply(Evaluate(slice.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope),
            Optional(slice.Step, scope), slice.Position),
        CallExpression call => Call(call, scope),
        FilterExpression filter => JinjaFilters.Apply(filter.Filter, Evaluate(filter.Target, scope), EvaluateAll(filter.Arguments, scope), filter.Position),
        TestExpression test => IsTests.Apply(test.Test, Evaluate(test.Target, scope), test.Position) != test.Negated,
        UnaryExpression unary => Unary(unary.Operator, Evaluate(unary.Operand, scope), unary.Position),
        BinaryExpression { Operator: "and" or "or" } logical => ShortCircuit(logical, scope),
        BinaryExpression binary => Arithmetic.Apply(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope), binary.Position),
        CompareExpression compare => Compare(compare, scope),
        ConditionalExpression conditional => JinjaValues.IsTrue(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope)
            : conditional.Otherwise is null ? new Undefined("conditional expression without else") : Evaluate(conditional.Otherwise, scope),
        _ => throw new JinjaException($"cannot evaluate {expression.GetType().Name}", expression.Position),
    };

    private static object? Optional(Expression? expression, Scope scope) => expression is null ? null : Evaluate(expression, scope);

    private static List<object?> EvaluateAll(IReadOnlyList<Expression> expressions, Scope scope) => expressions.Select(e => Evaluate(e, scope)).ToList();

    /// <summary>Python's <c>and</c>/<c>or</c> return an operand, not a bool, and skip the right one when the left decides.</summary>
    private static object? ShortCircuit(BinaryExpression logical, Scope scope)
    {
        object? left = Evaluate(logical.Left, scope);
        bool decided = JinjaValues.IsTrue(left) == (logical.Operator == "or");
        return decided ? left : Evaluate(logical.Right, scope);
    }

    /// <summary><c>x.name</c>: Jinja falls back from attributes to keys, so <c>message.role</c> is <c>message['role']</c>.</summary>
    private static object? GetAttribute(object? target, AttributeExpression attribute) => target switch
    {
        Undefined undefined => throw undefined.Error(attribute.Position),
        LoopContext loop => loop.Get(attribute.Name) ?? new Undefined($"loop.{attribute.Name}"),
        IReadOnlyDictionary<string, object?> dict => dict.TryGetValue(attribute.Name, out object? value) ? value : new Undefined(attribute.Name),
        _ => new Undefined($"{JinjaValues.TypeName(target)}.{attribute.Name}"),
    };

    private static object? GetItem(object? target, object? index, SourcePosition position)
    {
        switch (target, index)
        {
            case (Undefined undefined, _):
                throw undefined.Error(position);
            case (IReadOnlyDictionary<string, object?> dict, string key):
                return dict.TryGetValue(key, out object? value) ? value : new Undefined(key);
            case (LoopContext loop, string key):
                return loop.Get(key) ?? new Undefined($"loop.{key}");
            case (IReadOnlyList<object?> list, long or bool):
                long i = Slicing.Normalize(JinjaValues.AsInteger(index), list.Count);
                return i >= 0 && i < list.Count ? list[(int)i] : new Undefined($"[{index}]");
            case (string text, long or bool):
                Rune[] runes = text.EnumerateRunes().ToArray();
                long r = Slicing.Normalize(JinjaValues.AsInteger(index), runes.Length);
                return r >= 0 && r < runes.Length ? runes[r].ToString() : new Undefined($"[{index}]");
            default:
                throw new JinjaException($"cannot index '{JinjaValues.TypeName(target)}' with '{JinjaValues.TypeName(index)}'", position);
        }
    }

    private static object? Call(CallExpression call, Scope scope)
    {
        List<object?> arguments = EvaluateAll(call.Arguments, scope);
        if (call.Callee is AttributeExpression method)
        {
            object? target = Evaluate(method.Target, scope);
            return target switch
            {
                string text => StringMethods.Call(text, method.Name, arguments, call.Position),
                Undefined undefined => throw undefined.Error(call.Position),
                _ => throw new JinjaException($"unsupported method '{method.Name}' on '{JinjaValues.TypeName(target)}'", call.Position),
            };
        }
        return Evaluate(call.Callee, scope) switch
        {
            JinjaFunction function => function.Invoke(arguments, call.Position),
            Undefined undefined => throw undefined.Error(call.Position),
            var other => throw new JinjaException($"'{JinjaValues.TypeName(other)}' object is not callable", call.Position),
        };
    }

    private static object? Unary(string op, object? operand, SourcePosition position) => (op, operand) switch
    {
        ("not", _) => !JinjaValues.IsTrue(operand),
        (_, Undefined undefined) => throw undefined.Error(position),
        ("-", long or bool) => checked(-JinjaValues.AsInteger(operand)),
        ("+", long or bool) => JinjaValues.AsInteger(operand),
        _ => throw new JinjaException($"bad operand type for unary {op}: '{JinjaValues.TypeName(operand)}'", position),
    };

    private static bool Compare(CompareExpression compare, Scope scope)
    {
        object? left = Evaluate(compare.First, scope);
        foreach ((string op, Expression operand) in compare.Rest)
        {
            object? right = Evaluate(operand, scope);
            if (!Comparison.Holds(op, left, right, compare.Position)) return false;
            left = right;
        }
        return true;
    }
}
