using Mixtral.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Sampling;

public class LogitsProcessorsTests
{
    [Fact]
    public void Repetition_penalty_multiplies_negative_and_divides_non_negative_logits_once_per_id()
    {
        float[] logits = [2.0f, -1.0f, 0.5f, 0.0f, 3.0f, -0.75f];
        // id 1 appears twice and is still penalised once; ids 2 and 4 were never seen.
        LogitsProcessors.RepetitionPenalty(logits, [0, 1, 1, 3, 5], penalty: 2.0);
        Assert.Equal([1.0f, -2.0f, 0.5f, 0.0f, 3.0f, -1.5f], logits);
    }

    [Fact]
    public void Repetition_penalty_below_one_rewards_repeats()
    {
        float[] logits = [2.0f, -1.0f, 1.0f];
        LogitsProcessors.RepetitionPenalty(logits, [0, 1], penalty: 0.5);
        Assert.Equal([4.0f, -0.5f, 1.0f], logits);
    }

    [Fact]
    public void Repetition_penalty_names_an_id_outside_the_vocabulary()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LogitsProcessors.RepetitionPenalty(new float[4], [1, 4], 1.2));
        Assert.Contains("previousIds[1] = 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_k_keeps_the_k_largest_and_every_tie_with_the_kth()
    {
        float[] logits = [1f, 5f, 3f, 3f, -2f, 4f];
        LogitsProcessors.TopK(logits, 3); // 5, 4, then 3 twice: transformers keeps scores >= the 3rd largest
        Assert.Equal([1, 2, 3, 5], TestLogits.Kept(logits));
        Assert.Equal([float.NegativeInfinity, 5f, 3f, 3f, float.NegativeInfinity, 4f], logits);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    [InlineData(999)]
    public void Top_k_matches_a_full_sort_on_random_logits(int k)
    {
        float[] logits = TestLogits.Normal(seed: k, count: 1000, scale: 2);
        float kth = logits.OrderDescending().ElementAt(k - 1);
        int[] expected = [.. Enumerable.Range(0, logits.Length).Where(i => logits[i] >= kth)];
        LogitsProcessors.TopK(logits, k);
        Assert.Equal(expected, TestLogits.Kept(logits));
    }

    [Theory]
    [InlineData(0.5, new[] { 0, 1 })] // cumulative 0.25, 0.5 from the bottom are <= 1 - 0.5: removed
    [InlineData(0.6, new[] { 0, 1, 2 })]
    [InlineData(0.75, new[] { 0, 1, 2 })]
    [InlineData(0.76, new[] { 0, 1, 2, 3 })]
    [InlineData(0.01, new[] { 0 })] // min_tokens_to_keep = 1
    public void Top_p_on_tied_logits_keeps_the_exact_boundary_set_lowest_ids_first(double topP, int[] expected)
    {
        // Four equal logits: every probability is exactly 0.25 in binary, so the boundary is exact.
        float[] logits = [0.3f, 0.3f, 0.3f, 0.3f, float.NegativeInfinity];
        LogitsProcessors.TopP(logits, topP);
        Assert.Equal(expected, TestLogits.Kept(logits));
        Assert.All(expected, i => Assert.Equal(0.3f, logits[i]));
    }

    [Fact]
    public void Top_p_matches_a_brute_force_nucleus_on_logits_with_many_ties()
    {
        var random = new Random(7);
        double[] topPs = [0.13, 0.37, 0.61, 0.83, 0.95, 0.999]; // no simple fractions: no exact boundary
        for (int trial = 0; trial < 300; trial++)
        {
            // Logits on a coarse grid, so that ties are common, some already filtered out.
            float[] logits = [.. Enumerable.Range(0, random.Next(1, 40))
                .Select(_ => random.Next(8) == 0 ? float.NegativeInfinity : random.Next(-4, 5) * 0.5f)];
            if (logits.All(float.IsNegativeInfinity))
                continue;
            double topP = topPs[trial % topPs.Length];
            int[] expected = BruteForceNucleus(logits, topP);
            LogitsProcessors.TopP(logits, topP);
            Assert.Equal(expected, TestLogits.Kept(logits));
        }
    }

    [Theory]
    [InlineData(0.5, 0.9)] // flat: thousands of tokens in the nucleus
    [InlineData(3.0, 0.99)] // the first cutoff holds < 99% of the mass: the search widens
    [InlineData(3.0, 0.5)]
    [InlineData(8.0, 0.9)] // peaked: a handful of tokens
    public void Top_p_matches_transformers_warper_run_in_torch_at_vocab_32000(double scale, double topP)
    {
        float[] logits = TestLogits.Normal(seed: (int)(scale * 100 + topP * 1000), count: 32000, scale);
        int[] expected = TorchTopPWarper(logits, topP);
        LogitsProcessors.TopP(logits, topP);
        Assert.Equal(expected, TestLogits.Kept(logits));
    }

    /// <summary>
    /// Nucleus by definition, in the opposite direction to the code under test: rank by logit descending
    /// (ties: lower id first), then walk from the least likely token up, removing it while the mass of it and
    /// everything below is &lt;= 1 - top_p, and never the top token.
    /// </summary>
    private static int[] BruteForceNucleus(float[] logits, double topP)
    {
        double[] p = TestLogits.Softmax(logits);
        int[] ranked = [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i)];
        var kept = new HashSet<int>(ranked);
        double fromBottom = 0;
        for (int r = ranked.Length - 1; r > 0; r--)
        {
            fromBottom += p[ranked[r]];
            if (fromBottom <= 1 - topP)
                kept.Remove(ranked[r]);
        }
        return [.. kept.Order()];
    }

    /// <summary>
    /// transformers' TopPLogitsWarper.__call__, line for line, in torch. In float64 so that the rounding of a
    /// 32000-long float32 cumsum (~1e-5) cannot move the boundary: the semantics are under test, not the rounding.
    /// </summary>
    private static int[] TorchTopPWarper(float[] logits, double topP)
    {
        using var scope = NewDisposeScope();
        Tensor scores = tensor(logits).to(ScalarType.Float64);
        var (sortedLogits, sortedIndices) = sort(scores, descending: false);
        Tensor cumulativeProbs = sortedLogits.softmax(-1).cumsum(-1);
        Tensor sortedIndicesToRemove = cumulativeProbs <= (1 - topP);
        sortedIndicesToRemove[-1] = false; // min_tokens_to_keep = 1
        Tensor indicesToRemove = sortedIndicesToRemove.scatter(0, sortedIndices, sortedIndicesToRemove);
        bool[] remove = indicesToRemove.data<bool>().ToArray();
        return [.. Enumerable.Range(0, logits.Length).Where(i => !remove[i])];
    }
}
