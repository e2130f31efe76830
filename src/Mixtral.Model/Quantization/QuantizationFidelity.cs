using Mixtral.Model.Experts;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

// Legend: N tokens of a step, K experts per token, V vocabulary, D hidden.

/// <summary>
/// Measures a model with quantized experts against the same checkpoint with float experts: each expert's output, the
/// logits, the top-k routing, and greedy tokens, on the same token sequences. Both models see the reference's tokens
/// (teacher forcing), so a single early difference does not make every later comparison meaningless; a free-running
/// greedy generation is measured too.
/// </summary>
public static class QuantizationFidelity
{
    public static async Task<FidelityReport> MeasureAsync(MixtralModel reference, MixtralModel quantized, IReadOnlyList<int[]> prompts, int steps,
        CancellationToken cancellationToken = default)
    {
        var (expertMean, expertWorst) = await ExpertErrorsAsync(reference, quantized, cancellationToken).ConfigureAwait(false);
        var totals = new Totals();
        int freeRun = 0;
        foreach (var prompt in prompts)
        {
            var greedy = await TeacherForcedAsync(reference, quantized, prompt, steps, totals, cancellationToken).ConfigureAwait(false);
            var own = await GreedyAsync(quantized, prompt, steps, cancellationToken).ConfigureAwait(false);
            freeRun += greedy.Zip(own).TakeWhile(p => p.First == p.Second).Count();
        }
        return new FidelityReport(expertMean, expertWorst, Math.Sqrt(totals.ErrorSquares / totals.ReferenceSquares),
            (double)totals.SameSets / totals.Routes, (double)totals.SameChoices / (totals.Routes * (double)reference.Config.NumExpertsPerTok),
            (double)totals.SameArgmax / (steps * prompts.Count), freeRun, steps, prompts.Count);
    }

    /// <summary>Relative RMS error of every expert's output on 16 seeded random rows (unit variance, as normed hidden states).</summary>
    public static async Task<(double Mean, double Worst)> ExpertErrorsAsync(MixtralModel reference, MixtralModel quantized, CancellationToken ct)
    {
        var config = reference.Config;
        double sum = 0, worst = 0;
        using var rows = randn([16, config.HiddenSize], generator: new Generator(1234)); // [16, D]
        for (int l = 0; l < config.NumHiddenLayers; l++)
            for (int e = 0; e < config.NumLocalExperts; e++)
            {
                var expected = await reference.Experts.RunAsync(l, [new ExpertBatch(e, rows)], ct).ConfigureAwait(false);
                var actual = await quantized.Experts.RunAsync(l, [new ExpertBatch(e, rows)], ct).ConfigureAwait(false);
                double error = RelativeRms(expected[0], actual[0]);
                expected[0].Dispose();
                actual[0].Dispose();
                sum += error;
                worst = Math.Max(worst, error);
            }
        return (sum / (config.NumHiddenLayers * config.NumLocalExperts), worst);
    }

    private static double RelativeRms(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        return (actual.to(ScalarType.Float64) - e).square().sum().item<double>() is double err && e.square().sum().item<double>() is double norm && norm > 0
            ? Math.Sqrt(err / norm) : 0;
    }

    private sealed class Totals
    {
        public double ErrorSquares, ReferenceSquares;
        public long Routes, SameSets, SameChoices, SameArgmax;
    }

    /// <summary>The reference's greedy tokens after <paramref name="prompt"/>, with both models fed them; accumulates the comparisons.</summary>
    private static async Task<int[]> TeacherForcedAsync(MixtralModel reference, MixtralModel quantized, int[] prompt, int steps, Totals totals, CancellationToken ct)
    {
        using var referenceCache = reference.NewCache();
        using var quantizedCache = quantized.NewCache();
        var tokens = new int[steps];
        IReadOnlyList<int> input = prompt;
        for (int s = 0; s <= steps; s++)
        {
            var rows = s == 0 ? LogitRows.All : LogitRows.LastOfEachChunk;
            var referenceRoutes = new RouteRecorder();
            var quantizedRoutes = new RouteRecorder();
            using var expected = await reference.ForwardAsync(new TokenBatch([new SequenceChunk(referenceCache, input)], rows), referenceRoutes, ct).ConfigureAwait(false); // [R, V]
            using var actual = await quantized.ForwardAsync(new TokenBatch([new SequenceChunk(quantizedCache, input)], rows), quantizedRoutes, ct).ConfigureAwait(false);
            using (var e64 = expected.to(ScalarType.Float64))
            using (var a64 = actual.to(ScalarType.Float64))
            using (var diff = a64 - e64)
            {
                totals.ErrorSquares += diff.square().sum().item<double>();
                totals.ReferenceSquares += e64.square().sum().item<double>();
            }
            referenceRoutes.CompareWith(quantizedRoutes, totals);
            if (s == steps) break;
            int next = (int)expected[-1].argmax().item<long>();
            if ((int)actual[-1].argmax().item<long>() == next) totals.SameArgmax++;
            tokens[s] = next;
            input = [next];
        }
        return tokens;
    }

    private static async Task<int[]> GreedyAsync(MixtralModel model, int[] prompt, int steps, CancellationToken ct)
    {
        using var cache = model.NewCache();
        var tokens = new int[steps];
        IReadOnlyList<int> input = prompt;
        for (int s = 0; s < steps; s++)
        {
            using var logits = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, input)]), null, ct).ConfigureAwait(false); // [1, V]
            tokens[s] = (int)logits[-1].argmax().item<long>();
            input = [tokens[s]];
        }
        return tokens;
    }

    /// <summary>The top-k expert ids of every token of one forward pass, per layer.</summary>
    private sealed class RouteRecorder : IForwardObserver
    {
        private readonly List<long[][]> _layers = []; // [layer][token][k]

        public void OnRouting(int layer, Tensor expertIds, Tensor weights)
        {
            using var ids = expertIds.to(ScalarType.Int64).cpu();
            int n = (int)ids.size(0), k = (int)ids.size(1);
            var flat = ids.data<long>().ToArray();
            _layers.Add([.. Enumerable.Range(0, n).Select(t => flat.AsSpan(t * k, k).ToArray())]);
        }

        public void CompareWith(RouteRecorder other, Totals totals)
        {
            for (int l = 0; l < _layers.Count; l++)
                for (int t = 0; t < _layers[l].Length; t++)
                {
                    int same = _layers[l][t].Count(other._layers[l][t].Contains);
                    totals.Routes++;
                    totals.SameChoices += same;
                    if (same == _layers[l][t].Length) totals.SameSets++;
                }
        }
    }
}
