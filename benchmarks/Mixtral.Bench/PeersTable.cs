using System.Text;

namespace Mixtral.Bench;

/// <summary>Peer figures in their own section, with where and when they were measured: never set beside this run's
/// numbers as if measured together.</summary>
public static class PeersTable
{
    public static void Render(StringBuilder md)
    {
        md.Append("## Peers, measured elsewhere (not in this run)\n\n");
        md.Append($"Tokens/s from {Peers.Where}. They are not comparable with this run's numbers above (another machine, another moment, another bandwidth); " +
                  "they are here as the figures the targets refer to. llama.cpp measured side by side with this engine, on the same model and machine in " +
                  "one alternated run, is `benchmarks/llama-cpp-side-by-side.sh` (reports `llama-cpp-side-by-side.md`, and `-avx2.md` for AVX2-only builds).\n\n");
        Table(md, "batch 1, decode", Peers.Batch1);
        Table(md, "8 sequences, aggregate decode", Peers.Batch8);
        Table(md, "prefill, one 128-token prompt", Peers.Prefill128);
        md.Append("Earlier peers (an AVX-512 Xeon of this machine type, 2 threads, when it read 40.8 GB/s): ");
        md.Append(string.Join("; ", Peers.Earlier.Select(p => $"{p.Engine}: batch 1 {Num(p.Batch1)}, batch 8 {Num(p.Batch8)} tokens/s")));
        md.Append(".\n\n");
    }

    private static void Table(StringBuilder md, string what, IReadOnlyList<PeerFigure> rows)
    {
        md.Append($"| {what} | ours then | llama.cpp then |\n|---|---:|---:|\n");
        foreach (var r in rows) md.Append($"| {r.Weights} | {r.Ours} | {r.Peer} |\n");
        md.Append('\n');
    }

    private static string Num(double? v) => v is double d ? d.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
