using System.Globalization;

namespace Mixtral.SoakBench;

/// <summary>The soak's flags.</summary>
public sealed record SoakOptions(string Model, int Streams, double Minutes, int Tokens, int Prompts, double KillEverySeconds, double DownForSeconds, int Threads, string Out)
{
    public static SoakOptions Parse(string[] args)
    {
        string? Get(string flag) => args.SkipWhile(a => a != flag).Skip(1).FirstOrDefault();
        double Number(string flag, double fallback) => Get(flag) is string s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;
        string model = Get("--model") ?? throw new ArgumentException("--model DIR is required (e.g. the tiny fixture, /work/shared/fixtures/tiny-mixtral)");
        return new SoakOptions(model, (int)Number("--streams", 32), Number("--minutes", 3), (int)Number("--tokens", 24), (int)Number("--prompts", 8),
            Number("--kill-every", 30), Number("--down-for", 10), (int)Number("--threads", 1), Get("--out") ?? Path.Combine("benchmarks", "results"));
    }
}
