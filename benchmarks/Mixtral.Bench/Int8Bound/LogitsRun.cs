using Mixtral.Model;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench.Int8Bound;

// Legend: R positions of one sequence, V vocabulary, L layers, K experts per token.

/// <summary>One model's logits at every position of every sequence (one prefill per sequence) and its top-k expert sets.</summary>
public sealed class LogitsRun : IDisposable
{
    private LogitsRun(List<Tensor> logits, List<long[][]> routes, int k) => (Logits, Routes, K) = (logits, routes, k);

    public List<Tensor> Logits { get; } // per sequence [R, V], float64
    public List<long[][]> Routes { get; } // per sequence [L][R·K]
    public int K { get; }

    public static async Task<LogitsRun> RunAsync(MixtralModel model, IReadOnlyList<int[]> sequences)
    {
        var logits = new List<Tensor>();
        var routes = new List<long[][]>();
        foreach (var tokens in sequences)
        {
            using var cache = model.NewCache();
            var recorder = new RouteRecorder();
            using var output = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, tokens)], LogitRows.All), recorder); // [R, V]
            logits.Add(output.to(ScalarType.Float64));
            routes.Add([.. recorder.Layers]);
        }
        return new LogitsRun(logits, routes, model.Config.NumExpertsPerTok);
    }

    /// <summary>This run (the measured one) against <paramref name="reference"/>.</summary>
    public Comparison CompareWith(LogitsRun reference)
    {
        double error = 0, norm = 0, stableError = 0, stableNorm = 0;
        long routes = 0, sameRoutes = 0, positions = 0, sameTop1 = 0, stablePositions = 0;
        var changedAt = new List<string>();
        for (int s = 0; s < Logits.Count; s++)
        {
            using var scope = NewDisposeScope();
            var e = reference.Logits[s];
            var diff = Logits[s] - e;
            var rowError = diff.square().sum(1); // [R]
            var rowNorm = e.square().sum(1); // [R]
            var top1 = Logits[s].argmax(1).eq(e.argmax(1)); // [R]
            int n = (int)e.size(0);
            var stable = new bool[n];
            Array.Fill(stable, true);
            for (int l = 0; l < Routes[s].Length; l++)
                for (int t = 0; t < n; t++)
                {
                    var x = reference.Routes[s][l].AsSpan(t * K, K);
                    var y = Routes[s][l].AsSpan(t * K, K);
                    bool same = true;
                    foreach (long id in y) same &= x.Contains(id);
                    routes++;
                    if (same) sameRoutes++;
                    else
                    {
                        stable[t] = false;
                        changedAt.Add($"s{s}:L{l}:p{t}");
                    }
                }
            double[] rowErrors = rowError.data<double>().ToArray(), rowNorms = rowNorm.data<double>().ToArray();
            bool[] agree = top1.data<bool>().ToArray();
            for (int t = 0; t < n; t++)
            {
                error += rowErrors[t];
                norm += rowNorms[t];
                positions++;
                if (agree[t]) sameTop1++;
                if (!stable[t]) continue;
                stableError += rowErrors[t];
                stableNorm += rowNorms[t];
                stablePositions++;
            }
        }
        return new Comparison(Math.Sqrt(error / norm), stableNorm > 0 ? Math.Sqrt(stableError / stableNorm) : double.NaN,
            (double)sameRoutes / routes, (double)sameTop1 / positions, stablePositions, positions, routes - sameRoutes, [.. changedAt]);
    }

    public void Dispose()
    {
        foreach (var t in Logits) t.Dispose();
    }

    private sealed class RouteRecorder : IForwardObserver
    {
        public List<long[]> Layers { get; } = [];

        public void OnRouting(int layer, Tensor expertIds, Tensor weights)
        {
            using var ids = expertIds.to(ScalarType.Int64).cpu();
            Layers.Add(ids.data<long>().ToArray());
        }
    }
}

/// <summary>Logits relative RMS error sqrt(Σ(l − l_ref)² / Σl_ref²) over all positions, the same over the positions where
/// no layer's top-k set changed, the share of (layer, position) whose top-k set is the reference's, and of positions
/// whose top-1 token is; and where the top-k sets changed.</summary>
public sealed record Comparison(double LogitsError, double StableLogitsError, double SameRoutes, double SameTop1, long StablePositions, long Positions, long ChangedRoutes,
    string[] ChangedAt); // "s{sequence}:L{layer}:p{position}" of each changed top-k set
