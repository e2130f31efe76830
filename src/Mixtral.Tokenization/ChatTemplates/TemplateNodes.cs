namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The statements of a parsed template (the syntax tree above expressions).</summary>
internal abstract record TemplateNode(SourcePosition Position);

/// <summary>Literal text, output as is.</summary>
internal sealed record TextNode(string Text, SourcePosition Position) : TemplateNode(Position);

/// <summary><c>{{ expression }}</c></summary>
internal sealed record OutputNode(Expression Value, SourcePosition Position) : TemplateNode(Position);

/// <summary>One <c>if</c>/<c>elif</c> condition and the body it guards.</summary>
internal sealed record IfBranch(Expression Condition, IReadOnlyList<TemplateNode> Body);

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c>; <see cref="Else"/> is empty without an else.</summary>
internal sealed record IfNode(IReadOnlyList<IfBranch> Branches, IReadOnlyList<TemplateNode> Else, SourcePosition Position) : TemplateNode(Position);

/// <summary><c>{% for variable in iterable %}…{% else %}…{% endfor %}</c>; the else body runs when there is nothing to iterate.</summary>
internal sealed record ForNode(string Variable, Expression Iterable, IReadOnlyList<TemplateNode> Body, IReadOnlyList<TemplateNode> Else, SourcePosition Position)
    : TemplateNode(Position);

/// <summary><c>{% set name = value %}</c></summary>
internal sealed record SetNode(string Name, Expression Value, SourcePosition Position) : TemplateNode(Position);
