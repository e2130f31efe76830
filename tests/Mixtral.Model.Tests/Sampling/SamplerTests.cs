using Mixtral.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Sampling;

public class SamplerTests
{
    private const int Vocab = 32000;

    private static int[] Draws(Sampler sampler, float[] logits, int count, IReadOnlyList<int>? previous = null) =>
        [.. Enumerable.Range(0, count).Select(_ => sampler.Next(logits, previous ?? []))];

    [Fact]
    public void Greedy_is_torch_argmax_on_random_logits()
    {
        var sampler = new Sampler(SamplingParams.Greedy);
        for (int seed = 0; seed < 10; seed++)
        {
            float[] logits = TestLogits.Normal(seed, Vocab, scale: 3);
            using Tensor row = tensor(logits);
            Assert.Equal(argmax(row).item<long>(), sampler.Next(row, []));
        }
    }

    [Fact]
    public void Greedy_breaks_ties_towards_the_lowest_id() =>
        Assert.Equal(1, new Sampler(SamplingParams.Greedy).Next([1f, 3f, 3f, 2f, 3f], []));

    [Fact]
    public void Greedy_still_applies_the_repetition_penalty()
    {
        // 3.0 / 1.5 = 2.0 < 2.5: the repeated token loses its lead, as in transformers' greedy search.
        var sampler = new Sampler(SamplingParams.Greedy with { RepetitionPenalty = 1.5 });
        Assert.Equal(1, sampler.Next([3.0f, 2.5f, 0f], [0, 0]));
    }

    [Fact]
    public void Same_seed_gives_the_same_tokens()
    {
        var parameters = new SamplingParams { Temperature = 0.8, TopP = 0.95, TopK = 40, RepetitionPenalty = 1.1, Seed = 42 };
        float[] logits = TestLogits.Normal(seed: 1, Vocab, scale: 2);
        int[] history = [5, 17, 17, 300];
        Assert.Equal(Draws(new Sampler(parameters), logits, 200, history), Draws(new Sampler(parameters), logits, 200, history));
    }

    [Fact]
    public void Different_seeds_give_statistically_independent_tokens()
    {
        // 100 equally likely tokens: two independent streams agree on ~1% of 2000 draws (20, sd 4.4).
        var flat = new float[100];
        int[] a = Draws(new Sampler(new SamplingParams { Seed = 1 }), flat, 2000);
        int[] b = Draws(new Sampler(new SamplingParams { Seed = 2 }), flat, 2000);
        Assert.InRange(a.Zip(b).Count(pair => pair.First == pair.Second), 0, 45);
        Assert.Equal(100, a.Distinct().Count());
    }

    [Fact]
    public void Without_a_seed_the_sampler_picks_one_that_replays_its_tokens()
    {
        float[] logits = TestLogits.Normal(seed: 3, 1000, scale: 1);
        var first = new Sampler(SamplingParams.Default);
        var other = new Sampler(SamplingParams.Default);
        Assert.NotEqual(first.Seed, other.Seed);
        int[] tokens = Draws(first, logits, 100);
        Assert.Equal(tokens, Draws(new Sampler(SamplingParams.Default with { Seed = first.Seed }), logits, 100));
    }

    [Fact]
    public void Top_k_1_is_greedy_whatever_the_seed_and_temperature()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            float[] logits = TestLogits.Normal(seed, Vocab, scale: 1);
            using Tensor row = tensor(logits);
            var sampler = new Sampler(new SamplingParams { TopK = 1, Temperature = 0.5 + seed * 0.1, Seed = (ulong)seed });
            Assert.Equal(argmax(row).item<long>(), sampler.Next(row, []));
        }
    }

    [Fact]
    public void Repetition_penalty_is_applied_before_top_k()
    {
        // Penalty first: 2.0 / 1.5 = 1.33 < 1.9, so top-1 keeps token 1. Top-k first would keep token 0.
        var sampler = new Sampler(new SamplingParams { RepetitionPenalty = 1.5, TopK = 1, Seed = 5 });
        Assert.All(Draws(sampler, [2.0f, 1.9f, -1.0f, 0.5f], 50, [0]), t => Assert.Equal(1, t));
    }

    [Fact]
    public void Temperature_is_applied_before_top_p()
    {
        // softmax([1, 0]) = (0.73, 0.27): top_p 0.8 keeps both. At T = 0.5, (0.88, 0.12): it keeps token 0 only.
        // Were top-p applied first, token 1 would come up in ~12% of draws (none in 300: p ≈ 1e-17).
        var sampler = new Sampler(new SamplingParams { Temperature = 0.5, TopP = 0.8, Seed = 9 });
        Assert.All(Draws(sampler, [1.0f, 0.0f], 300), t => Assert.Equal(0, t));
    }

    [Fact]
    public void Sampled_tokens_stay_inside_the_top_p_and_top_k_sets()
    {
        float[] logits = TestLogits.Normal(seed: 11, Vocab, scale: 4);
        float[] filtered = (float[])logits.Clone();
        LogitsProcessors.Temperature(filtered, 0.9);
        LogitsProcessors.TopK(filtered, 50);
        LogitsProcessors.TopP(filtered, 0.7);
        var allowed = TestLogits.Kept(filtered).ToHashSet();
        var sampler = new Sampler(new SamplingParams { Temperature = 0.9, TopK = 50, TopP = 0.7, Seed = 3 });
        int[] draws = Draws(sampler, logits, 2000);
        Assert.Subset(allowed, draws.ToHashSet());
        Assert.True(draws.Distinct().Count() > 1, "top_p 0.7 over a non-degenerate distribution keeps several tokens");
    }

    /// <summary>
    /// 4 degrees of freedom: P(chi² > 35) ≈ 5e-7 for a correct sampler (and the seeds are fixed, so the test
    /// is deterministic). The same counts against the wrong temperature give chi² in the hundreds.
    /// </summary>
    private const double ChiSquareLimit = 35;

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Empirical_frequencies_follow_softmax_of_logits_over_temperature(double temperature)
    {
        float[] logits = [2.0f, 1.0f, 0.5f, 0.0f, -1.0f];
        const int N = 20000;
        var counts = new double[logits.Length];
        var sampler = new Sampler(new SamplingParams { Temperature = temperature, Seed = 2024 });
        foreach (int t in Draws(sampler, logits, N))
            counts[t]++;

        Assert.InRange(ChiSquare(counts, TestLogits.Softmax(logits, temperature)), 0, ChiSquareLimit);
        double wrongTemperature = temperature == 1.0 ? 2.0 : 1.0; // the test can tell temperatures apart
        Assert.True(ChiSquare(counts, TestLogits.Softmax(logits, wrongTemperature)) > 10 * ChiSquareLimit);
    }

    [Fact]
    public void Lower_temperature_concentrates_draws_on_the_top_token()
    {
        float[] logits = [2.0f, 1.0f, 0.5f, 0.0f, -1.0f];
        double TopShare(double t) =>
            Draws(new Sampler(new SamplingParams { Temperature = t, Seed = 77 }), logits, 5000).Count(x => x == 0) / 5000.0;
        double cold = TopShare(0.5), neutral = TopShare(1.0), hot = TopShare(2.0);
        Assert.True(cold > neutral && neutral > hot, $"top-token share at T = 0.5, 1, 2: {cold}, {neutral}, {hot}");
    }

    private static double ChiSquare(double[] observed, double[] probabilities)
    {
        double n = observed.Sum();
        return observed.Zip(probabilities).Sum(x => (x.First - n * x.Second) * (x.First - n * x.Second) / (n * x.Second));
    }
}
