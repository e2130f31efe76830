namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The expressions of a parsed template.</summary>
internal abstract record Expression(SourcePosition Position);

/// <summary>A string, integer, boolean or none literal.</summary>
internal sealed record LiteralExpression(object? Value, SourcePosition Position) : Expression(Position);

/// <summary>A variable: looked up in the enclosing scopes, then the globals; undefined when absent.</summary>
internal sealed record NameExpression(string Name, SourcePosition Position) : Expression(Position);

/// <summary><c>[a, b, …]</c></summary>
internal sealed record ListExpression(IReadOnlyList<Expression> Items, SourcePosition Position) : Expression(Position);

/// <summary><c>target.name</c>: a dictionary key, a <c>loop</c> property, or (when called) a string method.</summary>
internal sealed record AttributeExpression(Expression Target, string Name, SourcePosition Position) : Expression(Position);

/// <summary><c>target[index]</c></summary>
internal sealed record SubscriptExpression(Expression Target, Expression Index, SourcePosition Position) : Expression(Position);

/// <summary><c>target[start:stop:step]</c>, each part optional, with Python's slice rules.</summary>
internal sealed record SliceExpression(Expression Target, Expression? Start, Expression? Stop, Expression? Step, SourcePosition Position)
    : Expression(Position);

/// <summary><c>callee(arguments)</c>, positional arguments only.</summary>
internal sealed record CallExpression(Expression Callee, IReadOnlyList<Expression> Arguments, SourcePosition Position) : Expression(Position);

/// <summary><c>target | filter(arguments)</c></summary>
internal sealed record FilterExpression(Expression Target, string Filter, IReadOnlyList<Expression> Arguments, SourcePosition Position)
    : Expression(Position);

/// <summary><c>target is [not] test</c></summary>
internal sealed record TestExpression(Expression Target, string Test, bool Negated, SourcePosition Position) : Expression(Position);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c></summary>
internal sealed record UnaryExpression(string Operator, Expression Operand, SourcePosition Position) : Expression(Position);

/// <summary>Arithmetic, <c>~</c>, and the short-circuit <c>and</c>/<c>or</c>.</summary>
internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, SourcePosition Position) : Expression(Position);

/// <summary><c>a == b</c>, <c>a in b</c>, …; chained as in Python: <c>a &lt; b &lt; c</c> is <c>a &lt; b and b &lt; c</c>.</summary>
internal sealed record CompareExpression(Expression First, IReadOnlyList<(string Operator, Expression Operand)> Rest, SourcePosition Position)
    : Expression(Position);

/// <summary><c>then if condition else otherwise</c>; without else it is undefined when the condition is false.</summary>
internal sealed record ConditionalExpression(Expression Condition, Expression Then, Expression? Otherwise, SourcePosition Position)
    : Expression(Position);
