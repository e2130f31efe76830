using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// What ends a node from inside: Orleans gives up on its silo, above all when the cluster declared it dead (it missed
/// its membership probes: paused with SIGSTOP, frozen, cut off) and it then finds out. Orleans' own handler calls
/// Environment.FailFast (a stack trace, exit 134, or a silo that lingers while Redis lists it dead); this one records
/// the cause, and <see cref="NodeHost.ServeUntilCancelledAsync"/> stops the node and exits with a one-line message and
/// <see cref="DeclaredDeadExitCode"/>, so a supervisor (systemd Restart=on-failure, a container restart policy)
/// restarts it with its original command and it rejoins as a new silo.
/// </summary>
public sealed class NodeFatalError
{
    /// <summary>EX_TEMPFAIL: the node is fine, the cluster moved on without it; run it again.</summary>
    public const int DeclaredDeadExitCode = 75;
    /// <summary>EX_SOFTWARE: Orleans hit an error it cannot continue after.</summary>
    public const int FatalExitCode = 70;

    private readonly TaskCompletionSource<(int ExitCode, string Message)> _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the exit code and the message once the node cannot go on.</summary>
    public Task<(int ExitCode, string Message)> Occurred => _fatal.Task;

    public void Report(int exitCode, string message) => _fatal.TrySetResult((exitCode, message));
}

/// <summary>Orleans' fatal-error hook, replaced: record the cause for the host to act on, instead of FailFast.</summary>
internal sealed partial class NodeFatalErrorHandler(NodeFatalError fatal, ILogger<NodeFatalErrorHandler> logger) : IFatalErrorHandler
{
    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        string cause = exception?.Message ?? context ?? "unknown";
        bool declaredDead = exception is SiloUnavailableException || cause.Contains("dead", StringComparison.OrdinalIgnoreCase)
            || (context?.Contains("dead", StringComparison.OrdinalIgnoreCase) ?? false);
        LogFatal(sender?.GetType().Name ?? "Orleans", context ?? "", exception);
        if (declaredDead)
            fatal.Report(NodeFatalError.DeclaredDeadExitCode,
                "the cluster declared this node dead (it missed its membership probes: paused, overloaded or cut off) and has moved on " +
                $"without it; exiting with code {NodeFatalError.DeclaredDeadExitCode}: start it again with the same command to rejoin");
        else
            fatal.Report(NodeFatalError.FatalExitCode, $"the silo hit a fatal error and cannot continue ({cause}); exiting with code {NodeFatalError.FatalExitCode}");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "fatal error reported by {Sender} ({Context})")]
    private partial void LogFatal(string sender, string context, Exception? exception);
}
