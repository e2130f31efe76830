using System.Globalization;

namespace Mixtral.ClusterBench;

/// <summary>The benchmark's flags.</summary>
public sealed record BenchOptions(string Model, int Tokens, int PromptLength, int Threads, int ExpertThreads, string Wire, string Out)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Get(string flag) => args.SkipWhile(a => a != flag).Skip(1).FirstOrDefault();
        int Int(string flag, int fallback) => Get(flag) is string s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
        string model = Get("--model") ?? throw new ArgumentException("--model DIR is required (e.g. a `mixtral synth --preset mid` folder)");
        int threads = Int("--threads", Environment.ProcessorCount);
        return new BenchOptions(model, Int("--tokens", 32), Int("--prompt-length", 8), threads, Int("--expert-threads", threads),
            Get("--wire") ?? "bf16", Get("--out") ?? Path.Combine("benchmarks", "results"));
    }
}
