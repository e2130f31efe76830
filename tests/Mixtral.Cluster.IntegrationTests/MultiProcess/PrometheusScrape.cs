using System.Globalization;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>/metrics of a node's HTTP API, read the way a dashboard would: samples of a metric summed over the label sets that match.</summary>
internal sealed class PrometheusScrape(string text)
{
    public string Text => text;

    public static async Task<PrometheusScrape> ReadAsync(HttpClient http) =>
        new(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

    /// <summary>The sum of the samples of <paramref name="name"/> (exact metric name) whose labels contain every fragment; 0 when none.</summary>
    public double Sum(string name, params string[] labelFragments)
    {
        double sum = 0;
        foreach (string line in text.Split('\n'))
        {
            if (!(line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))) continue;
            if (!labelFragments.All(f => line.Contains(f, StringComparison.Ordinal))) continue;
            sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
