namespace Mixtral.Cluster.Processes;

/// <summary>
/// A node hung rather than crashed: SIGSTOP freezes the whole process (its sockets stay open, nothing answers), SIGCONT
/// lets it go on where it stopped, as a long GC pause, a swapping machine or a stalled VM would. Sent with kill(1).
/// </summary>
public static class NodeSignals
{
    public static Task PauseAsync(NodeProcess node) => SendAsync(node, "STOP");

    public static Task ResumeAsync(NodeProcess node) => SendAsync(node, "CONT");

    /// <summary>What `docker stop` and Kubernetes send: stop gracefully.</summary>
    public static Task TerminateAsync(NodeProcess node) => SendAsync(node, "TERM");

    private static async Task SendAsync(NodeProcess node, string signal)
    {
        var result = await ProcessRunner.RunAsync("kill", ["-" + signal, node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {node.Id} (node {node.Name}) failed: {result}");
    }
}
