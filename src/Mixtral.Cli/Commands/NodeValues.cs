using System.Globalization;

namespace Mixtral.Cli.Commands;

/// <summary>Per-node numbers on the command line, e.g. <c>--node-speed a=2,b=1</c>; errors name the flag and the item.</summary>
internal static class NodeValues
{
    public static Dictionary<string, double> Parse(string text, string flag)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || double.IsInfinity(value))
                throw new CliUsageException($"{flag}: \"{item}\" is not NODE=POSITIVE_NUMBER (e.g. {flag} a=2,b=1)");
            if (!values.TryAdd(parts[0], value)) throw new CliUsageException($"{flag}: node \"{parts[0]}\" is given twice");
        }
        return values;
    }
}
