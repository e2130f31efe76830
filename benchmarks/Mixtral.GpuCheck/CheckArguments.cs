using System.Globalization;

namespace Mixtral.GpuCheck;

/// <summary>`STEP --name value ...`: the few flags the check takes, each read once with a clear error for a bad one.</summary>
public sealed class CheckArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CheckArguments(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-')) throw new ArgumentException($"usage: mixtral-gpucheck {string.Join("|", Steps)} [--flag value]...");
        Step = args[0];
        if (!Steps.Contains(Step)) throw new ArgumentException($"unknown step \"{Step}\" (expected one of: {string.Join(", ", Steps)})");
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected a --flag, got \"{args[i]}\"");
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            _values[args[i]] = args[i + 1];
        }
    }

    public static readonly string[] Steps = ["info", "golden", "expert", "cluster", "report"];

    public string Step { get; }

    public string Text(string flag, string fallback)
    {
        _read.Add(flag);
        return _values.TryGetValue(flag, out var v) ? v : fallback;
    }

    public int Int(string flag, int fallback)
    {
        string text = Text(flag, fallback.ToString(CultureInfo.InvariantCulture));
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v : throw new ArgumentException($"{flag}: \"{text}\" is not a positive integer");
    }

    public int[] Ints(string flag, string fallback) =>
        Text(flag, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw new ArgumentException($"{flag}: \"{t}\" is not a positive integer"))
            .ToArray();

    public string[] List(string flag, string fallback) =>
        Text(flag, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Fails on any flag the step did not read: a typo must not silently run with defaults.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"step {Step} does not take {string.Join(", ", unknown)}");
    }
}
