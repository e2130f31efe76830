namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// Recursive-descent parser for Jinja expressions, with Jinja's precedence from loosest to tightest:
/// <c>x if c else y</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* // %</c>, unary <c>- +</c>, then postfix <c>.name [i] [a:b] (args)</c> and <c>| filter</c> / <c>is test</c>.
/// </summary>
internal sealed class ExpressionParser(TokenCursor cursor)
{
    private static readonly string[] ComparisonOperators = ["==", "!=", "<", ">", "<=", ">="];

    public Expression Parse()
    {
        Expression then = ParseOr();
        if (!cursor.PeekKeyword("if")) return then;
        cursor.Next();
        Expression condition = ParseOr();
        Expression? otherwise = cursor.AcceptKeyword("else") ? Parse() : null;
        return new ConditionalExpression(condition, then, otherwise, then.Position);
    }

    private Expression ParseOr() => ParseLogical("or", ParseAnd);

    private Expression ParseAnd() => ParseLogical("and", ParseNot);

    private Expression ParseLogical(string keyword, Func<Expression> operand)
    {
        Expression left = operand();
        while (cursor.PeekKeyword(keyword))
        {
            SourcePosition at = cursor.Next().Position;
            left = new BinaryExpression(keyword, left, operand(), at);
        }
        return left;
    }

    private Expression ParseNot()
    {
        if (!cursor.PeekKeyword("not")) return ParseComparison();
        SourcePosition at = cursor.Next().Position;
        return new UnaryExpression("not", ParseNot(), at);
    }

    private Expression ParseComparison()
    {
        Expression first = ParseBinary(["+", "-"], ParseConcat);
        var rest = new List<(string, Expression)>();
        while (true)
        {
            string? op = ComparisonOperators.FirstOrDefault(cursor.PeekOperator);
            if (op is not null) cursor.Next();
            else if (cursor.AcceptKeyword("in")) op = "in";
            else if (cursor.PeekKeyword("not") && cursor.PeekIs(TokenKind.Name, "in", ahead: 1))
            {
                cursor.Next();
                cursor.Next();
                op = "not in";
            }
            else break;
            rest.Add((op, ParseBinary(["+", "-"], ParseConcat)));
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, first.Position);
    }

    private Expression ParseConcat() => ParseBinary(["~"], () => ParseBinary(["*", "//", "%", "/", "**"], ParseUnary));

    private Expression ParseBinary(string[] operators, Func<Expression> operand)
    {
        Expression left = operand();
        while (operators.FirstOrDefault(cursor.PeekOperator) is string op)
        {
            SourcePosition at = cursor.Next().Position;
            if (op is "/" or "**") throw new JinjaException($"operator '{op}' is not supported (integers only)", at);
            left = new BinaryExpression(op, left, operand(), at);
        }
        return left;
    }

    private Expression ParseUnary()
    {
        if (cursor.PeekOperator("-") || cursor.PeekOperator("+"))
        {
            JinjaToken op = cursor.Next();
            return new UnaryExpression(op.Value, ParseUnary(), op.Position);
        }
        return ParseFiltersAndTests(ParsePostfix(ParsePrimary()));
    }

    private Expression ParsePrimary()
    {
        JinjaToken token = cursor.Next();
        switch (token.Kind)
        {
            case TokenKind.String:
                string text = token.Value;
                while (cursor.Peek().Kind == TokenKind.String) text += cursor.Next().Value; // 'a' 'b' is 'ab'
                return new LiteralExpression(text, token.Position);
            case TokenKind.Integer:
                return long.TryParse(token.Value, out long number)
                    ? new LiteralExpression(number, token.Position)
                    : throw new JinjaException($"integer literal {token.Value} is too large", token.Position);
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Position),
                    "false" or "False" => new LiteralExpression(false, token.Position),
                    "none" or "None" => new LiteralExpression(null, token.Position),
                    _ => new NameExpression(token.Value, token.Position),
                };
            case TokenKind.Operator when token.Value == "(":
                Expression inner = Parse();
                if (cursor.PeekOperator(",")) throw new JinjaException("tuples are not supported", cursor.Peek().Position);
                cursor.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                return new ListExpression(ParseArguments("]"), token.Position);
            case TokenKind.Operator when token.Value == "{":
                throw new JinjaException("dictionary literals are not supported", token.Position);
            default:
                throw new JinjaException($"expected an expression but found {token}", token.Position);
        }
    }

    private Expression ParsePostfix(Expression target)
    {
        while (true)
        {
            JinjaToken token = cursor.Peek();
            if (cursor.Accept("."))
                target = new AttributeExpression(target, cursor.Expect(TokenKind.Name, "an attribute name").Value, token.Position);
            else if (cursor.Accept("["))
                target = ParseSubscript(target, token.Position);
            else if (cursor.Accept("("))
                target = new CallExpression(target, ParseArguments(")"), token.Position);
            else
                return target;
        }
    }

    private Expression ParseSubscript(Expression target, SourcePosition at)
    {
        Expression? start = cursor.PeekOperator(":") ? null : Parse();
        if (cursor.Accept("]")) return new SubscriptExpression(target, start!, at);
        cursor.ExpectOperator(":");
        Expression? stop = cursor.PeekOperator(":") || cursor.PeekOperator("]") ? null : Parse();
        Expression? step = null;
        if (cursor.Accept(":") && !cursor.PeekOperator("]")) step = Parse();
        cursor.ExpectOperator("]");
        return new SliceExpression(target, start, stop, step, at);
    }

    private Expression ParseFiltersAndTests(Expression target)
    {
        while (true)
        {
            JinjaToken token = cursor.Peek();
            if (cursor.Accept("|"))
            {
                JinjaToken name = cursor.Expect(TokenKind.Name, "a filter name");
                string filter = name.Value;
                if (!JinjaFilters.Names.Contains(filter)) throw new JinjaException($"unsupported filter '{filter}'", name.Position);
                IReadOnlyList<Expression> arguments = cursor.Accept("(") ? ParseArguments(")") : [];
                target = new FilterExpression(target, filter, arguments, token.Position);
            }
            else if (cursor.AcceptKeyword("is"))
            {
                bool negated = cursor.AcceptKeyword("not");
                JinjaToken name = cursor.Expect(TokenKind.Name, "a test name");
                string test = name.Value;
                if (!IsTests.Names.Contains(test)) throw new JinjaException($"unsupported test 'is {test}'", name.Position);
                if (cursor.PeekOperator("(")) throw new JinjaException($"arguments to test '{test}' are not supported", cursor.Peek().Position);
                target = new TestExpression(target, test, negated, token.Position);
            }
            else
                return target;
        }
    }

    /// <summary>Comma-separated expressions up to <paramref name="close"/> (consumed); keyword arguments are refused.</summary>
    private List<Expression> ParseArguments(string close)
    {
        var items = new List<Expression>();
        while (!cursor.Accept(close))
        {
            if (items.Count > 0) cursor.ExpectOperator(",");
            if (cursor.Accept(close)) break; // trailing comma
            if (cursor.Peek().Kind == TokenKind.Name && cursor.PeekIs(TokenKind.Operator, "=", ahead: 1))
                throw new JinjaException($"keyword argument '{cursor.Peek().Value}=' is not supported", cursor.Peek().Position);
            items.Add(Parse());
        }
        return items;
    }
}
