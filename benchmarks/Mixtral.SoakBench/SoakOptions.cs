using System.Globalization;

namespace Mixtral.SoakBench;

/// <summary>The soak's flags.</summary>
public sealed record SoakOptions(string Model, int Streams, double Minutes, int Tokens, int Prompts, double KillEverySeconds, double DownForSeconds, int Threads, string Out)
{
    /// <summary>Reads the flags; a bad one is an <see cref="ArgumentException"/> that names it.</summary>
    public static SoakOptions Parse(string[] args)
    {
        var known = new HashSet<string>(StringComparer.Ordinal) { "--model", "--streams", "--minutes", "--tokens", "--prompts", "--kill-every", "--down-for", "--threads", "--out" };
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i])) throw new ArgumentException($"unknown flag {args[i]} (flags: {string.Join(", ", known)})");
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
        }
        string? Get(string flag) => args.SkipWhile(a => a != flag).Skip(1).FirstOrDefault();
        double Number(string flag, double fallback, double min, double max)
        {
            if (Get(flag) is not string s) return fallback;
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < min || value > max)
                throw new ArgumentException($"{flag} must be a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, got \"{s}\"");
            return value;
        }
        int Whole(string flag, int fallback, int min, int max)
        {
            double value = Number(flag, fallback, min, max);
            return value == Math.Floor(value) ? (int)value : throw new ArgumentException($"{flag} must be a whole number, got {value.ToString(CultureInfo.InvariantCulture)}");
        }
        string model = Get("--model") ?? throw new ArgumentException("--model DIR is required (e.g. the tiny fixture, /work/shared/fixtures/tiny-mixtral)");
        return new SoakOptions(model, Whole("--streams", 32, 1, 1024), Number("--minutes", 3, 0.1, 24 * 60), Whole("--tokens", 24, 1, 4096),
            Whole("--prompts", 8, 1, 64), Number("--kill-every", 30, 1, 3600), Number("--down-for", 10, 0, 3600), Whole("--threads", 1, 1, 256),
            Get("--out") ?? Path.Combine("benchmarks", "results"));
    }
}
