using System.Text;
using Mixtral.Model.Inference;
using static Mixtral.Bench.DecodeReport;

namespace Mixtral.Bench;

/// <summary>The report's table of where a decode step's time goes: one column pair per weight format and batch size.</summary>
public static class StepTimeTable
{
    public static void Render(StringBuilder md, IReadOnlyList<VariantResults> variants)
    {
        var columns = variants.SelectMany(v => new[] { (v.Name, v.Breakdown1), (v.Name, v.BreakdownN) }).ToArray();
        md.Append("## Where the time of a decode step goes\n\n");
        md.Append("Decode steps run straight on the model with the step profiler on: exclusive wall time per phase, per step, sampling included (ms, and share of the step).\n\n");
        md.Append("| Phase |").AppendJoin("", columns.Select(c => $" {c.Name}, batch {c.Item2.Sequences} |")).Append('\n');
        md.Append("|---|").AppendJoin("", columns.Select(_ => "---:|")).Append('\n');
        foreach (var phase in Enum.GetValues<StepPhase>())
        {
            md.Append("| ").Append(PhaseName(phase)).Append(" |");
            foreach (var (_, b) in columns)
            {
                double ms = b.PhasePerStep(phase).TotalMilliseconds;
                md.Append(' ').Append(F(ms, "F2")).Append(" (").Append(Pct(ms / b.PerStep.TotalMilliseconds)).Append(") |");
            }
            md.Append('\n');
        }
        md.Append("| **Step** |").AppendJoin("", columns.Select(c => $" **{F(c.Item2.PerStep.TotalMilliseconds, "F2")}** |")).Append('\n');
    }

    private static string PhaseName(StepPhase phase) => phase switch
    {
        StepPhase.NormsAndResiduals => "Embedding, norms, residual adds",
        StepPhase.AttentionProjections => "Attention projections (Q, K, V, O)",
        StepPhase.Attention => "Attention (RoPE, cache, scores, softmax)",
        StepPhase.Routing => "Routing (gate, softmax, top-k)",
        StepPhase.ExpertGatherScatter => "Expert gather / scatter",
        StepPhase.Experts => "Experts (W1·W3 + SwiGLU, W2)",
        StepPhase.LmHead => "LM head",
        StepPhase.Sampling => "Sampling",
        _ => "Other (batch set-up, bookkeeping)",
    };
}
