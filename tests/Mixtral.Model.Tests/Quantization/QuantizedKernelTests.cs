using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>The int8 and q4 kernels (1 to 32 rows, every path this CPU has) against <see cref="QuantReference"/>:
/// dequantize, quantize x by the documented rule, multiply in double.</summary>
[Collection(QuantizedKernelPathsGroup.Name)]
public sealed class QuantizedKernelTests
{
    /// <summary>One group, an odd number of groups (a padding group), rows past one chunk, the `mid` width.</summary>
    public static TheoryData<ExpertWeightFormat, int, int> Shapes => new()
    {
        { ExpertWeightFormat.Int8, 1, 32 }, { ExpertWeightFormat.Int8, 7, 96 }, { ExpertWeightFormat.Int8, 70, 1024 },
        { ExpertWeightFormat.Q4, 1, 32 }, { ExpertWeightFormat.Q4, 7, 96 }, { ExpertWeightFormat.Q4, 70, 1024 },
        { ExpertWeightFormat.Q4, 5, 320 }, // a short last block of q4's sub-scales (8 + 2 groups)
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Products_for_1_to_32_rows_equal_the_dequantized_reference(ExpertWeightFormat format, int n, int k)
    {
        using var weight = Random([n, k], n + k);
        using var w = QuantizedMatrix.Quantize(weight, format, "w");
        var decoded = QuantReference.Decode(w);
        using var x = Random([32, k], 7 * k);
        var xValues = ToArray(x);
        foreach (var (wide, vnni) in QuantizedKernelPaths.All())
        {
            using var path = QuantizedKernelPaths.Use(wide, vnni);
            for (int t = 1; t <= 32; t++)
            {
                using var rows = x.narrow(0, 0, t).contiguous();
                using var actual = QuantizedProducts.Multiply(w, rows);
                var (expected, magnitude) = QuantReference.Multiply(QuantReference.QuantizeActivations(Rows(xValues, t), format), decoded);
                AssertWithinRounding(expected, magnitude, ToArray(actual), k, $"{format} N={n} K={k} T={t} AVX-512 {wide} VNNI {vnni}");
            }
        }
    }

    [Theory]
    [InlineData(ExpertWeightFormat.Int8)]
    [InlineData(ExpertWeightFormat.Q4)]
    public void The_fused_expert_equals_the_reference_expert_for_any_number_of_rows(ExpertWeightFormat format)
    {
        const int d = 128, i = 96; // 3 groups per W2 row: a padding group again
        using var w1 = Random([i, d], 1);
        using var w2 = Random([d, i], 2);
        using var w3 = Random([i, d], 3);
        using var expert = new QuantizedExpert(QuantizedMatrix.Quantize(w1, format, "w1"), QuantizedMatrix.Quantize(w2, format, "w2"), QuantizedMatrix.Quantize(w3, format, "w3"));
        foreach (var (wide, vnni) in QuantizedKernelPaths.All())
        {
            using var path = QuantizedKernelPaths.Use(wide, vnni);
            foreach (int t in new[] { 1, 2, 3, 4, 5, 8, 31, 32, 33, 70 })
            {
                using var x = Random([t, d], 10 + t);
                using var actual = expert.Forward(x);
                var expected = QuantReference.Expert(ToArray(x), expert.W1, expert.W2, expert.W3);
                // The activation a is rounded to float32 and requantized on both sides; a value that lands on the other side of
                // a rounding boundary moves one code by one step (≤ max|a|/32767 · |w2|). Held to 1e-4 of the output's RMS.
                AssertClose(expected, ToArray(actual), 1e-4 * Rms(expected), $"{format} T={t} AVX-512 {wide} VNNI {vnni}");
            }
        }
    }

    [Theory]
    [InlineData(ExpertWeightFormat.Int8)]
    [InlineData(ExpertWeightFormat.Q4)]
    public void With_the_kernels_off_the_expert_multiplies_the_dequantized_weights_on_LibTorch(ExpertWeightFormat format)
    {
        using var w1 = Random([64, 32], 1);
        using var w2 = Random([32, 64], 2);
        using var w3 = Random([64, 32], 3);
        using var expert = new QuantizedExpert(QuantizedMatrix.Quantize(w1, format, "w1"), QuantizedMatrix.Quantize(w2, format, "w2"), QuantizedMatrix.Quantize(w3, format, "w3"));
        using var x = Random([5, 32], 4);
        using var actual = WithKernelsOff(() => expert.Forward(x));
        // Unquantized x here: the float32 SwiGLU over the documented dequantized weights.
        var xs = ToArray(x);
        var xd = new double[5, 32];
        for (int t = 0; t < 5; t++) for (int j = 0; j < 32; j++) xd[t, j] = xs[t, j];
        var (gate, _) = QuantReference.Multiply(xd, QuantReference.Decode(expert.W1));
        var (up, _) = QuantReference.Multiply(xd, QuantReference.Decode(expert.W3));
        var a = new double[5, 64];
        for (int t = 0; t < 5; t++) for (int j = 0; j < 64; j++) a[t, j] = QuantReference.Silu(gate[t, j]) * up[t, j];
        var (expected, _) = QuantReference.Multiply(a, QuantReference.Decode(expert.W2));
        AssertClose(expected, ToArray(actual), 1e-4 * Rms(expected), $"{format} on LibTorch");
    }

    private static Tensor WithKernelsOff(Func<Tensor> run)
    {
        using (CpuKernels.Suspend()) return run();
    }

    /// <summary>Integer group sums are exact; their conversion to float32, each group's scaling, the float32 accumulation
    /// and the final row scale round, so the kernel is within about (G + 8) roundings of Σ|x̂·ŵ| (G groups, then the lane
    /// and horizontal sums); 4× that for slack.</summary>
    internal static void AssertWithinRounding(double[,] expected, double[,] magnitude, float[,] actual, int k, string what)
    {
        double u = 1.0 / (1 << 24), factor = 4 * (k / 32 + 8) * u;
        for (int t = 0; t < expected.GetLength(0); t++)
            for (int n = 0; n < expected.GetLength(1); n++)
            {
                double error = Math.Abs(actual[t, n] - expected[t, n]), bound = factor * magnitude[t, n] + 1e-30;
                Assert.True(error <= bound, $"{what}: y[{t},{n}] = {actual[t, n]} but the reference is {expected[t, n]} (|error| {error:E2} > bound {bound:E2})");
            }
    }

    internal static void AssertClose(double[,] expected, float[,] actual, double tolerance, string what)
    {
        double worst = 0;
        for (int t = 0; t < expected.GetLength(0); t++)
            for (int n = 0; n < expected.GetLength(1); n++)
                worst = Math.Max(worst, Math.Abs(actual[t, n] - expected[t, n]));
        Assert.True(worst <= tolerance, $"{what}: max |error| {worst:E2} > {tolerance:E2}");
    }

    internal static double Rms(double[,] values)
    {
        double sum = 0;
        foreach (double v in values) sum += v * v;
        return Math.Sqrt(sum / values.Length);
    }

    internal static Tensor Random(long[] shape, long seed) => randn(shape, generator: new Generator((ulong)seed));

    internal static float[,] ToArray(Tensor t)
    {
        var flat = t.contiguous().data<float>().ToArray();
        int rows = (int)t.size(0), cols = (int)t.size(1);
        var result = new float[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    private static float[,] Rows(float[,] x, int t)
    {
        var result = new float[t, x.GetLength(1)];
        Buffer.BlockCopy(x, 0, result, 0, t * x.GetLength(1) * sizeof(float));
        return result;
    }
}
