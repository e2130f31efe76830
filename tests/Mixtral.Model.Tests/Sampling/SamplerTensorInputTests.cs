using Mixtral.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Sampling;

/// <summary>The sampler reads any float row of any layout, and says what is wrong with one it cannot use.</summary>
public class SamplerTensorInputTests
{
    private static readonly Sampler Greedy = new(SamplingParams.Greedy);

    [Fact]
    public void Reads_a_row_at_an_offset_inside_a_larger_tensor()
    {
        using Tensor batch = tensor(new float[,] { { 9, 0, 0, 0 }, { 0, 0, 7, 0 }, { 0, 8, 0, 0 } });
        using Tensor row = batch[1];
        Assert.Equal(2, Greedy.Next(row, []));
        Assert.Equal(7f, row.sum().item<float>()); // the caller's tensor is left alive
    }

    [Fact]
    public void Reads_a_strided_column()
    {
        using Tensor matrix = tensor(new float[,] { { 9, 0 }, { 0, 1 }, { 0, 5 }, { 0, 2 } });
        using Tensor column = matrix[.., 1];
        Assert.False(column.is_contiguous());
        Assert.Equal(2, Greedy.Next(column, []));
    }

    [Fact]
    public void Reads_bfloat16_logits()
    {
        using Tensor row = tensor(new float[] { 0.5f, -1f, 4f, 3.5f }).to(ScalarType.BFloat16);
        Assert.Equal(2, Greedy.Next(row, []));
    }

    [Fact]
    public void A_matrix_is_refused_with_its_shape()
    {
        using Tensor logits = zeros(1, 5);
        var e = Assert.Throws<ArgumentException>(() => Greedy.Next(logits, []));
        Assert.Contains("[1, 5]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN, "logits[1] is NaN")]
    [InlineData(float.PositiveInfinity, "logits[1] is +inf")]
    public void A_non_finite_logit_is_named(float bad, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new Sampler(SamplingParams.Default).Next([0f, bad, 1f], []));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_of_minus_infinity_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Greedy.Next([float.NegativeInfinity, float.NegativeInfinity], []));
        Assert.Contains("all 2 logits are -inf", e.Message, StringComparison.Ordinal);
    }
}
