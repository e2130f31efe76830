using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Quantization.QuantizedKernelTests;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>The quantization rules, checked weight by weight against the original float32 values.</summary>
public sealed class QuantizedMatrixTests
{
    [Fact]
    public void Int8_scales_are_the_group_max_over_127_and_every_weight_is_within_half_a_step()
    {
        using var weight = Random([9, 96], 1) * 0.02;
        using var q = QuantizedMatrix.Quantize(weight, ExpertWeightFormat.Int8, "w");
        var w = ToArray(weight);
        var decoded = QuantReference.Decode(q);
        for (int r = 0; r < 9; r++)
            for (int g = 0; g < 3; g++)
            {
                float max = 0;
                for (int j = 0; j < 32; j++) max = Math.Max(max, Math.Abs(w[r, g * 32 + j]));
                float d = q.ScaleSpan[r * 4 + g]; // 3 groups, padded to 4
                Assert.Equal(max / 127f, d);
                for (int j = 0; j < 32; j++)
                    Assert.True(Math.Abs(decoded[r, g * 32 + j] - w[r, g * 32 + j]) <= d * 0.5000001, $"w[{r},{g * 32 + j}] is more than half a step from its code");
            }
    }

    [Fact]
    public void Q4_maps_the_largest_magnitude_to_minus_8_exactly_and_rounds_the_rest_to_the_nearest_level()
    {
        using var weight = Random([5, 64], 2);
        using var q = QuantizedMatrix.Quantize(weight, ExpertWeightFormat.Q4, "w");
        var w = ToArray(weight);
        var decoded = QuantReference.Decode(q);
        for (int r = 0; r < 5; r++)
            for (int g = 0; g < 2; g++)
            {
                int largest = g * 32;
                for (int j = g * 32; j < g * 32 + 32; j++)
                    if (Math.Abs(w[r, j]) > Math.Abs(w[r, largest])) largest = j;
                float d = q.ScaleSpan[r * 2 + g];
                Assert.Equal(w[r, largest] / -8f, d);
                Assert.Equal(w[r, largest], decoded[r, largest], 1e-6);
                for (int j = g * 32; j < g * 32 + 32; j++)
                {
                    // Values of the other sign beyond 7.5 steps clamp to +7: up to one step away; the rest within half a step.
                    double error = Math.Abs(decoded[r, j] - w[r, j]), step = Math.Abs(d);
                    bool clamped = Math.Abs(decoded[r, j] - 7.0 * d) < 1e-9 && Math.Abs(w[r, j] / d) > 7.5;
                    Assert.True(error <= (clamped ? step : step * 0.5000001), $"w[{r},{j}] = {w[r, j]} decoded as {decoded[r, j]} (step {step})");
                }
            }
    }

    [Theory]
    [InlineData(ExpertWeightFormat.Int8)]
    [InlineData(ExpertWeightFormat.Q4)]
    public void A_zero_group_quantizes_to_zero(ExpertWeightFormat format)
    {
        using var weight = zeros([2, 32]);
        using var q = QuantizedMatrix.Quantize(weight, format, "w");
        Assert.All(q.ScaleSpan.ToArray(), d => Assert.Equal(0f, d));
        Assert.All(QuantReference.Decode(q).Cast<double>(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Rows_that_do_not_split_into_groups_of_32_are_refused_with_the_tensor_name()
    {
        using var weight = zeros([4, 48]);
        var e = Assert.Throws<ArgumentException>(() => QuantizedMatrix.Quantize(weight, ExpertWeightFormat.Q4, "model.layers.0.block_sparse_moe.experts.0.w1.weight"));
        Assert.Contains("experts.0.w1.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("48 columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExpertWeightFormat.Int8, 1 + 4.0 / 32)]
    [InlineData(ExpertWeightFormat.Q4, 0.5 + 4.0 / 32)]
    public void Resident_bytes_are_codes_plus_a_float32_scale_per_group(ExpertWeightFormat format, double bytesPerWeight)
    {
        using var weight = zeros([64, 256]);
        using var q = QuantizedMatrix.Quantize(weight, format, "w");
        Assert.Equal((long)(64 * 256 * bytesPerWeight), q.ResidentBytes);
        Assert.Equal(bytesPerWeight, format.BytesPerWeight());
    }
}
