namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// The chat template rejected the conversation with <c>raise_exception(message)</c>; <see cref="Exception.Message"/>
/// is the template's own message (e.g. "Conversation roles must alternate user/assistant/user/assistant/...").
/// It is the caller's input that is wrong, not the template.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string message) : base(message) { }

    public ChatTemplateException(string message, Exception innerException) : base(message, innerException) { }

    public ChatTemplateException() { }
}
