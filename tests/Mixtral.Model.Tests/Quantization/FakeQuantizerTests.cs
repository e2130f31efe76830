using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using Mixtral.Testing;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>
/// The fake quantizer that `Mixtral.Bench int8-bound` sweeps over bit widths, checked against our int8 on the fixture's
/// expert matrices: at 8 bits it must give, weight for weight, what QuantizedMatrix's int8 codes dequantize to (so its
/// 8-bit row measures our int8's rounding and nothing else), and each further bit must halve the rounding error.
/// </summary>
public sealed class FakeQuantizerTests
{
    [Theory]
    [InlineData(0, 3, ExpertMatrix.W1)]
    [InlineData(2, 5, ExpertMatrix.W2)] // [hidden, intermediate]: groups along the intermediate dimension
    public void At_8_bits_it_gives_exactly_the_weights_our_int8_codes_dequantize_to(int layer, int expert, ExpertMatrix matrix)
    {
        var config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var loader = new WeightLoader(reader, ScalarType.Float32, CPU);
        using var weight = loader.LoadMatrix(TensorNames.Expert(layer, expert, matrix), TensorNames.ExpertShape(config, matrix)).contiguous();

        using var int8 = QuantizedMatrix.Quantize(weight, ExpertWeightFormat.Int8, "w");
        using var expected = int8.Dequantize();
        using var fake = weight.clone();
        var (errorSquares, squares) = FakeQuantizer.RoundInPlace(fake, bits: 8);

        float[] e = expected.data<float>().ToArray(), a = fake.data<float>().ToArray(), w = weight.data<float>().ToArray();
        // Equal as numbers (a small negative weight rounds to −0 here and to +0 through the integer code: the same value).
        int differing = Enumerable.Range(0, e.Length).Count(i => e[i] != a[i]);
        Assert.True(differing == 0, $"{differing} of {e.Length} weights differ from int8's dequantized values");
        // The sums it returns are the ones a direct computation gives.
        Assert.Equal(w.Sum(x => (double)x * x), squares, 1e-9 * squares);
        double direct = Enumerable.Range(0, w.Length).Sum(i => ((double)a[i] - w[i]) * ((double)a[i] - w[i]));
        Assert.Equal(direct, errorSquares, 1e-9 * direct);
    }

    [Fact]
    public void Each_further_bit_halves_the_rounding_error()
    {
        var config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var loader = new WeightLoader(reader, ScalarType.Float32, CPU);
        using var weight = loader.LoadMatrix(TensorNames.Expert(1, 0, ExpertMatrix.W3), TensorNames.ExpertShape(config, ExpertMatrix.W3)).contiguous();
        double previous = double.NaN;
        for (int bits = 6; bits <= 12; bits++)
        {
            using var fake = weight.clone();
            var (errorSquares, squares) = FakeQuantizer.RoundInPlace(fake, bits);
            double relative = Math.Sqrt(errorSquares / squares);
            // A uniform grid of step d leaves d/√12 RMS: halving d halves it, within the sampling noise of 32k weights.
            if (!double.IsNaN(previous)) Assert.InRange(previous / relative, 1.9, 2.1);
            previous = relative;
        }
    }
}
