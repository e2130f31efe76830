using System.Globalization;

namespace Mixtral.GatewayBench;

/// <summary>
/// The engine's step counters as the server's <c>GET /metrics</c> publishes them (Prometheus text, meter
/// <c>Mixtral.Engine</c>), per step kind: steps, seconds inside steps, sequences stepped and distinct experts read. Two
/// scrapes around a level, subtracted, are exactly the steps that level made the server run.
/// </summary>
public sealed record ServerSteps(StepTotals Decode, StepTotals Prefill)
{
    private const string Steps = "mixtral_engine_steps_total";
    private const string Seconds = "mixtral_engine_step_duration_seconds_sum";
    private const string Sequences = "mixtral_engine_step_sequences_sum";
    private const string ExpertReads = "mixtral_engine_step_expert_reads_total";

    public ServerSteps Minus(ServerSteps before) => new(Decode.Minus(before.Decode), Prefill.Minus(before.Prefill));

    /// <summary>The current totals, or null when the server does not publish per-kind step counters (an older build).</summary>
    public static async Task<ServerSteps?> ScrapeAsync(HttpClient http)
    {
        string text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).ConfigureAwait(false);
        var values = new Dictionary<(string Name, string Kind), double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith("mixtral_engine_step", StringComparison.Ordinal)) continue;
            int brace = line.IndexOf('{', StringComparison.Ordinal), close = line.LastIndexOf('}');
            if (brace < 0 || close < brace) continue;
            string labels = line[(brace + 1)..close];
            int kindAt = labels.IndexOf("kind=\"", StringComparison.Ordinal);
            if (kindAt < 0) continue;
            string kind = labels[(kindAt + 6)..labels.IndexOf('"', kindAt + 6)];
            values[(line[..brace], kind)] = double.Parse(line[(close + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
        if (!values.ContainsKey((ExpertReads, "decode")) && !values.ContainsKey((ExpertReads, "prefill"))) return null;
        StepTotals Of(string kind) => new(
            (long)values.GetValueOrDefault((Steps, kind)), values.GetValueOrDefault((Seconds, kind)),
            (long)values.GetValueOrDefault((Sequences, kind)), (long)values.GetValueOrDefault((ExpertReads, kind)));
        return new ServerSteps(Of("decode"), Of("prefill"));
    }
}

/// <summary>Totals over the steps of one kind: how many, seconds inside them, sequences stepped, distinct (layer, expert) reads.</summary>
public sealed record StepTotals(long Steps, double Seconds, long Sequences, long ExpertReads)
{
    public StepTotals Minus(StepTotals b) => new(Steps - b.Steps, Seconds - b.Seconds, Sequences - b.Sequences, ExpertReads - b.ExpertReads);

    public double SequencesPerStep => Steps == 0 ? 0 : (double)Sequences / Steps;
    public double ExpertsPerLayerPerStep(int layers) => Steps == 0 ? 0 : (double)ExpertReads / Steps / layers;
}
