using System.Diagnostics;
using Mixtral.Model.Checkpoint;

namespace Mixtral.Cli.Terminal;

/// <summary>
/// Shows weight loading/writing on stderr: a live line on a terminal (at most ten updates a second), and one
/// summary line at the end either way, so logs of non-interactive runs still say what was loaded.
/// </summary>
public sealed class TerminalProgress(string verb) : IProgress<LoadProgress>
{
    private readonly bool _live = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1000;
    private LoadProgress? _last;

    public void Report(LoadProgress value)
    {
        _last = value;
        long now = _clock.ElapsedMilliseconds;
        if (!_live || now - _lastDraw < 100) return;
        _lastDraw = now;
        double pct = value.BytesTotal > 0 ? 100.0 * value.BytesRead / value.BytesTotal : 0;
        string line = $"{verb} {Mb(value.BytesRead)}/{Mb(value.BytesTotal)} MB ({pct:F0}%), {value.TensorsRead}/{value.TensorsTotal} tensors  {value.CurrentTensor}";
        Console.Error.Write("\r" + Fit(line));
    }

    /// <summary>Ends the live line and prints the summary.</summary>
    public void Complete()
    {
        if (_last is null) return;
        if (_live) Console.Error.Write("\r" + new string(' ', Width) + "\r");
        double seconds = _clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine(
            $"{verb} {Mb(_last.BytesRead)} MB, {_last.TensorsRead} tensors in {seconds:F1} s ({_last.BytesRead / 1e6 / Math.Max(seconds, 1e-3):F0} MB/s)");
    }

    private static int Width => Console.IsErrorRedirected ? 120 : Math.Max(40, SafeWindowWidth() - 1);

    private static int SafeWindowWidth()
    {
        try { return Console.WindowWidth; }
        catch (IOException) { return 120; }
    }

    private static string Fit(string line) => line.Length > Width ? line[..Width] : line.PadRight(Width);

    private static string Mb(long bytes) => (bytes / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
