namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// Jinja's default <c>Undefined</c>: what a missing variable, key or index evaluates to. It renders as nothing, is
/// false, has length 0 and iterates as empty, but using it as a value (an attribute of it, arithmetic with it)
/// is an error naming <see cref="Name"/>.
/// </summary>
internal sealed class Undefined(string name)
{
    public string Name { get; } = name;

    public JinjaException Error(SourcePosition position) => new($"'{Name}' is undefined", position);
}
