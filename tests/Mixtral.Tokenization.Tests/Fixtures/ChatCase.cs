using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Tokenization.Tests.Fixtures;

/// <summary>One line of the tokenizer fixture's chat.jsonl: either <see cref="Rendered"/> and <see cref="Ids"/>, or <see cref="Error"/>.</summary>
public sealed record ChatCase(
    string Id,
    IReadOnlyList<ChatMessage> Messages,
    bool AddGenerationPrompt,
    string? Rendered,
    IReadOnlyList<int>? Ids,
    string? Error)
{
    public override string ToString() => Id;
}
