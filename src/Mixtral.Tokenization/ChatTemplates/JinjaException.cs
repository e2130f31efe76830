namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// The template itself is wrong or uses Jinja this interpreter does not support (a syntax error, an unsupported
/// statement, filter or operator, a type error while rendering); the message names the construct and where it is.
/// </summary>
public sealed class JinjaException : Exception
{
    public JinjaException(string message) : base(message) { }

    public JinjaException(string message, Exception innerException) : base(message, innerException) { }

    public JinjaException() { }

    internal JinjaException(string problem, SourcePosition position) : base($"{problem} at {position}") { }
}
