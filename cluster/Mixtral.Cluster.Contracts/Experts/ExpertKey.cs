using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Mixtral.Cluster.Contracts.Experts;

/// <summary>
/// Identity of one expert grain: expert <see cref="Expert"/> of layer <see cref="Layer"/>, copy
/// <see cref="Replica"/> (0 = the first owner the placement plan lists, 1 = the second, ...).
/// As a grain key string: <c>L{layer}.E{expert}</c> for replica 0 and <c>L{layer}.E{expert}.R{replica}</c>
/// otherwise, e.g. "L3.E5", "L3.E5.R1". Only that canonical form parses (no leading zeros, no ".R0", no
/// spaces), so one expert copy has exactly one grain identity.
/// <see cref="Generation"/> is the plan generation the copy belongs to: 0 for the plan the cluster started with
/// (written without a suffix), g &gt; 0 after the g-th live plan change (".G{g}" last, e.g. "L3.E5.R1.G2"), so the
/// copies of a new plan are warmed beside the old plan's before routing switches to them.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("Mixtral.ExpertKey")]
public readonly record struct ExpertKey
{
    public ExpertKey(int layer, int expert, int replica = 0, int generation = 0)
    {
        if (layer < 0) throw new ArgumentOutOfRangeException(nameof(layer), layer, "layer must be ≥ 0");
        if (expert < 0) throw new ArgumentOutOfRangeException(nameof(expert), expert, "expert must be ≥ 0");
        if (replica < 0) throw new ArgumentOutOfRangeException(nameof(replica), replica, "replica must be ≥ 0");
        if (generation < 0) throw new ArgumentOutOfRangeException(nameof(generation), generation, "generation must be ≥ 0");
        (Layer, Expert, Replica, Generation) = (layer, expert, replica, generation);
    }

    [Id(0)] public int Layer { get; }
    [Id(1)] public int Expert { get; }
    [Id(2)] public int Replica { get; }
    [Id(3)] public int Generation { get; }

    public override string ToString() => (Replica == 0
        ? string.Create(CultureInfo.InvariantCulture, $"L{Layer}.E{Expert}")
        : string.Create(CultureInfo.InvariantCulture, $"L{Layer}.E{Expert}.R{Replica}"))
        + (Generation == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $".G{Generation}"));

    public static ExpertKey Parse(string key) =>
        TryParse(key, out var parsed, out string? problem)
            ? parsed
            : throw new FormatException($"expert grain key \"{key}\": {problem}");

    public static bool TryParse(string? key, out ExpertKey parsed) => TryParse(key, out parsed, out _);

    private static bool TryParse(string? key, out ExpertKey parsed, [NotNullWhen(false)] out string? problem)
    {
        parsed = default;
        if (string.IsNullOrEmpty(key)) { problem = "empty"; return false; }
        string[] parts = key.Split('.');
        int generation = 0;
        if (parts.Length is 3 or 4 && parts[^1].StartsWith('G'))
        {
            if (!TryNumber(parts[^1], 'G', "generation", out generation, out problem)) return false;
            if (generation == 0) { problem = "generation 0 is written without the .G0 suffix"; return false; }
            parts = parts[..^1];
        }
        if (parts.Length is < 2 or > 3)
        {
            problem = "expected L{layer}.E{expert} or L{layer}.E{expert}.R{replica}, optionally followed by .G{generation}";
            return false;
        }
        if (!TryNumber(parts[0], 'L', "layer", out int layer, out problem)) return false;
        if (!TryNumber(parts[1], 'E', "expert", out int expert, out problem)) return false;
        int replica = 0;
        if (parts.Length == 3)
        {
            if (!TryNumber(parts[2], 'R', "replica", out replica, out problem)) return false;
            if (replica == 0) { problem = "replica 0 is written without the .R0 suffix"; return false; }
        }
        parsed = new ExpertKey(layer, expert, replica, generation);
        return true;
    }

    private static bool TryNumber(string part, char prefix, string field, out int value, [NotNullWhen(false)] out string? problem)
    {
        value = 0;
        problem = null;
        ReadOnlySpan<char> digits = part.Length > 0 && part[0] == prefix ? part.AsSpan(1) : default;
        bool canonical = digits.Length is > 0 and <= 9 && !(digits.Length > 1 && digits[0] == '0');
        foreach (char c in digits) canonical &= char.IsAsciiDigit(c);
        if (!canonical)
        {
            problem = $"\"{part}\" should be {prefix} followed by the {field} number (digits, no leading zeros)";
            return false;
        }
        value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
