namespace Mixtral.PlacementSim;

internal sealed record TraceArg(string Name, string Path);

/// <summary>Command line: --config FILE, --trace NAME=FILE (repeatable), --out DIR; errors name the flag.</summary>
internal sealed record Args(string Config, IReadOnlyList<TraceArg> Traces, string OutDir)
{
    public static Args Parse(string[] args)
    {
        string? config = null, outDir = "benchmarks/results";
        var traces = new List<TraceArg>();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--config": config = value; break;
                case "--out": outDir = value; break;
                case "--trace":
                    var parts = value.Split('=', 2);
                    if (parts.Length != 2) throw new ArgumentException($"--trace: \"{value}\" is not NAME=FILE");
                    traces.Add(new TraceArg(parts[0], parts[1]));
                    break;
                default: throw new ArgumentException($"unknown option {args[i]} (expected --config, --trace, --out)");
            }
            i++;
        }
        if (config is null) throw new ArgumentException("--config FILE (a Mixtral config.json) is required");
        if (traces.Count == 0) throw new ArgumentException("give at least one --trace NAME=FILE");
        return new Args(config, traces, outDir);
    }
}
