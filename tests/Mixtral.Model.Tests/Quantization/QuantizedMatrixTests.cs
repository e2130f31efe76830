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
    public void Q4_scales_are_8_bit_multiples_of_a_block_scale_and_every_weight_takes_the_nearest_level()
    {
        // 10 groups per row: a block of eight and a short one of two. Group scales spread over 10x so that small groups'
        // sub-scales round visibly.
        using var weight = Random([5, 320], 2) * linspace(0.1, 1.0, 320).reshape(1, 320);
        using var q = QuantizedMatrix.Quantize(weight.contiguous(), ExpertWeightFormat.Q4, "w");
        var w = ToArray(weight);
        var decoded = QuantReference.Decode(q);
        for (int r = 0; r < 5; r++)
            for (int b = 0; b < 2; b++)
            {
                int first = b * 8, count = b == 0 ? 8 : 2;
                var q4_0 = new float[count]; // Q4_0's scale: the group's largest magnitude over −8
                for (int g = 0; g < count; g++)
                {
                    float m = 0;
                    for (int j = (first + g) * 32; j < (first + g + 1) * 32; j++)
                        if (Math.Abs(w[r, j]) > Math.Abs(m)) m = w[r, j];
                    q4_0[g] = m / -8f;
                }
                float blockScale = q4_0.Max(Math.Abs) / 127f;
                Assert.Equal(blockScale, q.BlockScaleSpan[r * 2 + b]);
                for (int g = 0; g < count; g++)
                {
                    int s = (int)MathF.Round(q4_0[g] / blockScale);
                    Assert.Equal(s, q.SubScaleSpan[r * 16 + first + g]);
                    float d = blockScale * s;
                    Assert.Equal(d, q.ScaleSpan[r * 10 + first + g]);
                    for (int j = (first + g) * 32; j < (first + g + 1) * 32; j++)
                    {
                        double expected = d == 0 ? 0 : Math.Clamp(MathF.Round(w[r, j] * (1f / d)), -8, 7) * (double)d; // the rule's v·(1/d)
                        Assert.Equal(expected, decoded[r, j], 1e-6);
                    }
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
    [InlineData(ExpertWeightFormat.Q4, 0.5 + 1.0 / 32 + 4.0 / 256)]
    public void Resident_bytes_are_codes_plus_the_scales(ExpertWeightFormat format, double bytesPerWeight)
    {
        using var weight = zeros([64, 256]);
        using var q = QuantizedMatrix.Quantize(weight, format, "w");
        Assert.Equal((long)(64 * 256 * bytesPerWeight), q.ResidentBytes);
        Assert.Equal(bytesPerWeight, format.BytesPerWeight());
    }
}
