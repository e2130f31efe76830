using Mixtral.Model.Sampling;

namespace Mixtral.Model.Tests.Sampling;

/// <summary>The logprob arithmetic against values worked out by hand (and LibTorch's log_softmax and topk).</summary>
public sealed class TokenLogprobsTests
{
    [Fact]
    public void Log_sum_exp_is_the_softmax_normaliser()
    {
        float[] logits = [0f, (float)Math.Log(3)]; // probabilities 1/4 and 3/4
        double lse = TokenLogprobs.LogSumExp(logits);
        Assert.Equal(Math.Log(0.25), logits[0] - lse, 1e-6);
        Assert.Equal(Math.Log(0.75), logits[1] - lse, 1e-6);
    }

    [Fact]
    public void Large_logits_do_not_overflow() =>
        Assert.Equal(1000 + Math.Log(2), TokenLogprobs.LogSumExp([1000f, 1000f]), 1e-6);

    [Fact]
    public void Most_likely_are_those_of_libtorch_topk_in_its_order()
    {
        var random = new Random(3);
        float[] logits = [.. Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() * 20 - 10))];
        double lse = TokenLogprobs.LogSumExp(logits);
        using var t = TorchSharp.torch.tensor(logits);
        using var lsm = t.to(TorchSharp.torch.ScalarType.Float64).log_softmax(0);
        var (values, indices) = lsm.topk(7);
        var top = TokenLogprobs.MostLikely(logits, lse, 7);
        Assert.Equal(indices.data<long>().Select(i => (int)i), top.Select(x => x.TokenId));
        for (int i = 0; i < 7; i++) Assert.Equal(values[i].item<double>(), top[i].Logprob, 1e-6);
        values.Dispose();
        indices.Dispose();
    }

    [Fact]
    public void Sampler_reports_the_raw_distribution_not_the_penalised_one()
    {
        // Token 1 is the model's favourite (p = 3/4); a repetition penalty makes token 0 the greedy choice, and its
        // logprob must still be the model's log(1/4), not the penalised distribution's.
        float[] logits = [0.5f, 0.5f + (float)Math.Log(3)];
        var sampler = new Sampler(SamplingParams.Greedy with { RepetitionPenalty = 100, TopLogprobs = 1 });
        int token = sampler.Next(logits, previousIds: [1]);
        Assert.Equal(0, token);
        Assert.Equal(Math.Log(0.25), sampler.LastLogprobs!.Logprob, 1e-6);
        Assert.Equal(1, sampler.LastLogprobs.Top[0].TokenId);
        Assert.Equal(Math.Log(0.75), sampler.LastLogprobs.Top[0].Logprob, 1e-6);
    }

    [Fact]
    public void Zero_alternatives_still_give_the_chosen_token_s_logprob()
    {
        var sampler = new Sampler(SamplingParams.Greedy with { TopLogprobs = 0 });
        Assert.Equal(1, sampler.Next([0f, 1f], []));
        Assert.Empty(sampler.LastLogprobs!.Top);
        Assert.Equal(1 - Math.Log(1 + Math.E), sampler.LastLogprobs.Logprob, 1e-6);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public void Out_of_range_top_logprobs_is_refused_naming_the_field(int top)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => (SamplingParams.Greedy with { TopLogprobs = top }).Validate());
        Assert.Equal("top_logprobs", e.ParamName);
    }
}
