namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>A global callable of the template, e.g. <c>raise_exception</c>.</summary>
internal sealed record JinjaFunction(string Name, Func<IReadOnlyList<object?>, SourcePosition, object?> Invoke);
