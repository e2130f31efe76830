using Mixtral.Model.Checkpoint;
using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using Xunit.Abstractions;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>
/// What quantized experts keep of the float model on the shared fixture (its HF prompts, 64 greedy steps each): expert
/// outputs, logits, top-2 routing and greedy tokens, measured by <see cref="QuantizationFidelity"/> against the same
/// checkpoint with float32 experts (which itself matches Hugging Face: ForwardMatchesHuggingFaceTests). In the
/// quantized-kernel collection, so no other test switches kernel paths under it (a different summation order may flip a
/// near-tied route).
/// </summary>
[Collection(QuantizedKernelPathsGroup.Name)]
public sealed class QuantizedFidelityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TinyModelFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private const int Steps = 64;

    /// <summary>
    /// The routing target (≥ 99% of top-2 sets) holds, with no margin: 99.0% here. Its logits target (RMS error
    /// ≤ 1% of the logits' RMS) does NOT hold on this random-weight fixture: 3.15% measured. Where it comes from
    /// (Int8ErrorSourceTests): the int8 kernels equal float32 arithmetic on the dequantized weights to 0.009% of the logits
    /// with the same routes, so neither the int16 activations nor the integer accumulation add to it; it is the 8-bit
    /// weights' rounding (0.53% of a weight's RMS, ~0.94% of an expert's output), summed over four layers whose experts
    /// dominate the residual stream (tokens with no changed route anywhere: 1.98%; median token 1.2%), plus the 13 of 375
    /// tokens where it flips a route in some layer (up to 23% each). Any 8-bit grid per 32 weights (llama.cpp's q8_0 is the
    /// same grid) has this rounding; 1% here would need about three times less, ~1.6 more bits per weight. The bounds below
    /// are what was measured, with a little room.
    /// </summary>
    [Fact]
    public async Task Int8_experts_keep_99_percent_of_the_routing_and_stay_within_their_documented_logits_bound()
    {
        var report = await MeasureAsync(ExpertWeightFormat.Int8);
        Assert.True(report.RoutingSetAgreement >= 0.99, $"int8: top-2 routing agreement {report.RoutingSetAgreement:P2} < 99%");
        Assert.True(report.LogitsRelativeRms <= Int8Bounds.LogitsRelativeRms, $"int8: logits RMS error {report.LogitsRelativeRms:P3} of the logits' RMS");
        Assert.True(report.ExpertWorstRelativeRms <= Int8Bounds.ExpertRelativeRms, $"int8: an expert's output RMS error is {report.ExpertWorstRelativeRms:P3}");
        Assert.True(report.GreedyAgreement >= Int8Bounds.GreedyAgreement, $"int8: greedy agreement {report.GreedyAgreement:P1}");
    }

    /// <summary>4 bits keep far less; the bounds are what this format measured here (see the test output and the benchmark
    /// report) with some room, so that a regression in the quantizer or the kernels shows.</summary>
    [Fact]
    public async Task Q4_experts_stay_within_their_documented_bounds()
    {
        var report = await MeasureAsync(ExpertWeightFormat.Q4);
        Assert.True(report.ExpertWorstRelativeRms <= Q4Bounds.ExpertRelativeRms, $"q4: worst expert RMS error {report.ExpertWorstRelativeRms:P2}");
        Assert.True(report.LogitsRelativeRms <= Q4Bounds.LogitsRelativeRms, $"q4: logits RMS error {report.LogitsRelativeRms:P2}");
        Assert.True(report.RoutingSetAgreement >= Q4Bounds.RoutingSetAgreement, $"q4: top-2 routing agreement {report.RoutingSetAgreement:P2}");
        Assert.True(report.GreedyAgreement >= Q4Bounds.GreedyAgreement, $"q4: greedy agreement {report.GreedyAgreement:P1}");
    }

    private async Task<FidelityReport> MeasureAsync(ExpertWeightFormat format)
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var quantized = MixtralModel.Load(reader, fixture.Config, new ModelOptions { ExpertFormat = format });
        var prompts = fixture.Reference.Prompts.Select(p => p.InputIds).ToArray();
        var report = await QuantizationFidelity.MeasureAsync(fixture.Model, quantized, prompts, Steps);
        output.WriteLine($"{format}: {report}");
        return report;
    }
}

/// <summary>What int8 experts keep on the fixture. Measured: worst expert 1.03%, logits 3.15%, routing 99.0%, teacher-forced
/// greedy 96.5%.</summary>
public static class Int8Bounds
{
    public const double ExpertRelativeRms = 0.0115;
    public const double LogitsRelativeRms = 0.035;
    public const double GreedyAgreement = 0.95;
}

/// <summary>What q4 experts keep on the fixture. Measured with the two-level scales and int8 x (2026-11-30): worst expert
/// 16.3% (mean 15.3%), logits 22.1%, routing 88.0% of top-2 sets (94.0% of choices), teacher-forced greedy 60.2% (with one
/// float32 scale per group and int16 x before: 16.4%, 15.2%, 22.0%, 88.1%, 58.6%).</summary>
public static class Q4Bounds
{
    public const double ExpertRelativeRms = 0.18;
    public const double LogitsRelativeRms = 0.25;
    public const double RoutingSetAgreement = 0.85;
    public const double GreedyAgreement = 0.50;
}
