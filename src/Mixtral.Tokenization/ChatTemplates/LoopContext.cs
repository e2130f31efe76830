namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>The <c>loop</c> variable inside a <c>{% for %}</c>.</summary>
internal sealed class LoopContext(int index0, int length)
{
    /// <summary>The value of <c>loop.name</c>, or null when <paramref name="name"/> is not a property this subset has.</summary>
    public object? Get(string name) => name switch
    {
        "index0" => (long)index0,
        "index" => (long)(index0 + 1),
        "revindex0" => (long)(length - index0 - 1),
        "revindex" => (long)(length - index0),
        "first" => index0 == 0,
        "last" => index0 == length - 1,
        "length" => (long)length,
        _ => null,
    };
}
