using Mixtral.Model.Sampling;

namespace Mixtral.Model.Tests.Sampling;

public class SamplingParamsTests
{
    public static TheoryData<SamplingParams, string> InvalidParams => new()
    {
        { new SamplingParams { Temperature = -0.1 }, "temperature" },
        { new SamplingParams { Temperature = double.NaN }, "temperature" },
        { new SamplingParams { Temperature = double.PositiveInfinity }, "temperature" },
        { new SamplingParams { TopK = -1 }, "top_k" },
        { new SamplingParams { TopP = 0 }, "top_p" },
        { new SamplingParams { TopP = 1.01 }, "top_p" },
        { new SamplingParams { TopP = double.NaN }, "top_p" },
        { new SamplingParams { RepetitionPenalty = 0 }, "repetition_penalty" },
        { new SamplingParams { RepetitionPenalty = -1.2 }, "repetition_penalty" },
        { new SamplingParams { MaxNewTokens = 0 }, "max_new_tokens" },
        { new SamplingParams { StopSequences = null! }, "stop_sequences" },
        { new SamplingParams { StopSequences = ["ok", ""] }, "stop_sequences[1]" },
    };

    [Theory]
    [MemberData(nameof(InvalidParams))]
    public void Out_of_range_field_is_named_in_the_error(SamplingParams parameters, string field)
    {
        var e = Assert.ThrowsAny<ArgumentException>(parameters.Validate);
        Assert.StartsWith(field + " must", e.Message, StringComparison.Ordinal);
        Assert.Equal(field.Split('[')[0], e.ParamName);
    }

    [Fact]
    public void Sampler_refuses_invalid_params()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new Sampler(new SamplingParams { TopP = 2 }));
        Assert.Equal("top_p", e.ParamName);
    }

    [Fact]
    public void Defaults_sample_with_every_warper_off()
    {
        var p = SamplingParams.Default;
        p.Validate();
        Assert.False(p.IsGreedy);
        Assert.Equal((1.0, 0, 1.0, 1.0, null), (p.Temperature, p.TopK, p.TopP, p.RepetitionPenalty, p.Seed));
        Assert.Empty(p.StopSequences);
    }

    [Theory]
    [InlineData(0.0, true, true)] // TGI: temperature 0 means do_sample = false
    [InlineData(1e-7, true, true)] // below vLLM's epsilon: float32 logits / T would overflow
    [InlineData(0.7, false, true)] // do_sample = false wins over any temperature
    [InlineData(0.7, true, false)]
    public void Greedy_when_temperature_is_zero_or_sampling_is_off(double temperature, bool doSample, bool greedy) =>
        Assert.Equal(greedy, new SamplingParams { Temperature = temperature, DoSample = doSample }.IsGreedy);
}
