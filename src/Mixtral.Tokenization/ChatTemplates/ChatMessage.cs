namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>One turn of a conversation; <see cref="Role"/> is what the template checks (<c>user</c>, <c>assistant</c>, ...).</summary>
public sealed record ChatMessage(string Role, string Content);
