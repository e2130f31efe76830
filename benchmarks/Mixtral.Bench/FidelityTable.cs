using System.Text;
using static Mixtral.Bench.DecodeReport;

namespace Mixtral.Bench;

/// <summary>The report's table of what the quantized formats keep of float32 weights on this model.</summary>
public static class FidelityTable
{
    public static void Render(StringBuilder md, IReadOnlyList<VariantResults> variants)
    {
        var quantized = variants.Where(v => v.Fidelity is not null).ToArray();
        if (quantized.Length == 0) return;
        var steps = quantized[0].Fidelity!;
        md.Append("## What the quantized experts keep (this model, against float32 weights)\n\n");
        md.Append($"{steps.Prompts} seeded random prompts, {steps.Steps} greedy steps each; both models fed the float32 model's tokens (teacher forcing), " +
                  "so every step compares like with like. Expert error: each expert of each layer on the same 16 random unit-variance rows. " +
                  "The same measurement runs as a test on the shared fixture (QuantizedFidelityTests).\n\n");
        md.Append("| Experts kept as | expert output RMS error (mean / worst) | logits RMS error | top-2 sets equal | top-2 choices equal | greedy token equal (teacher-forced) | free-run tokens equal before the first difference |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var v in quantized)
        {
            var f = v.Fidelity!;
            md.Append($"| {v.Name} | {P2(f.ExpertMeanRelativeRms)} / {P2(f.ExpertWorstRelativeRms)} | {P2(f.LogitsRelativeRms)} | {P2(f.RoutingSetAgreement)} | " +
                      $"{P2(f.RoutingChoiceAgreement)} | {P2(f.GreedyAgreement)} | {f.FreeRunMatchingTokens} of {f.Steps * f.Prompts} |\n");
        }
        md.Append("\nRMS errors are relative to the float32 result's RMS. Issue 10 asks int8 for ≥ 99% routing agreement and a logits error ≤ 1%.\n\n");
    }

    private static string P2(double v) => (v * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
