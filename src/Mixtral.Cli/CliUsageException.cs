namespace Mixtral.Cli;

/// <summary>A flag or input the user got wrong: printed as one line, exit code 2.</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException(string message) : base(message) { }
    public CliUsageException(string message, Exception inner) : base(message, inner) { }
    public CliUsageException() { }
}
