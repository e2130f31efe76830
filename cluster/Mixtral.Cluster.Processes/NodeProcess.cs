using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Mixtral.Cluster.Processes;

/// <summary>
/// A `mixtral node` (or any `mixtral` command) running as a real child process; its output is collected so
/// a test can wait for a line ("ready") and show everything when something goes wrong.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private NodeProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }
    /// <summary>The operating system's process id (for signals, <see cref="NodeSignals"/>, and memory readings from /proc).</summary>
    public int Id => _process.Id;
    private int? _exitCode;

    public bool HasExited => _disposed || _process.HasExited;
    public int ExitCode => _exitCode ?? _process.ExitCode;
    public string Output => string.Join('\n', _lines);

    public static NodeProcess Start(string name, string mixtralDll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(mixtralDll);
        foreach (string a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start node {name}");
        var node = new NodeProcess(process, name);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public Task WaitForLineAsync(string fragment, TimeSpan timeout) =>
        Wait.UntilAsync(() =>
        {
            if (_lines.Any(l => l.Contains(fragment, StringComparison.Ordinal))) return Task.FromResult(true);
            if (_process.HasExited) throw new InvalidOperationException($"node {Name} exited with code {_process.ExitCode} before printing \"{fragment}\":\n{Output}");
            return Task.FromResult(false);
        }, timeout, $"node {Name} to print \"{fragment}\"");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {Name} did not exit within {timeout.TotalSeconds:F0} s:\n{Output}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    private bool _disposed;

    /// <summary>Kills the process (a node dying, as far as the cluster can tell) and waits for it to be gone. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _exitCode = _process.ExitCode;
        _process.Dispose();
    }
}
