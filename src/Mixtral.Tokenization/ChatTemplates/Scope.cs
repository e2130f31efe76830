namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// Variables visible at a point of the template. A <c>for</c> body gets a child scope per iteration, so what it
/// <c>set</c>s does not leak out of the loop (Jinja's scoping rule); <c>if</c> bodies share their parent's scope.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (Scope? scope = this; scope is not null; scope = scope.Parent)
            if (scope._variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;

    private Scope? Parent => parent;
}
