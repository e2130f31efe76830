using System.Security.Authentication;

namespace Mixtral.Client;

/// <summary>
/// The client's connection retry filter, which also remembers why the last attempt failed: a gateway that is not up
/// yet is retried (briefly) until the connect timeout, a TLS handshake the gateway refused is not (retrying cannot
/// fix a certificate), and either way the caller's message says what the last failure was instead of "a task was
/// cancelled".
/// </summary>
internal sealed class ConnectionAttempts
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);

    public Exception? LastFailure { get; private set; }

    public async Task<bool> ShouldRetryAsync(Exception failure, CancellationToken cancellationToken)
    {
        LastFailure = failure;
        if (IsRefusedHandshake(failure)) return false;
        try
        {
            await Task.Delay(Pause, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return true;
    }

    /// <summary>The innermost message of the last failure, or null when no attempt failed (the timeout came first).</summary>
    public string? Describe()
    {
        var e = LastFailure;
        while (e?.InnerException is not null) e = e.InnerException;
        return e is null ? null : $"{e.GetType().Name}: {e.Message}";
    }

    private static bool IsRefusedHandshake(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is AuthenticationException) return true;
        return false;
    }
}
