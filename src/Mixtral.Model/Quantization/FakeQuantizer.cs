using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

/// <summary>
/// Fake quantization ("quantize, then dequantize") at any bit width, to measure what a grid's rounding alone costs while
/// the model still runs in float32: every group of <see cref="QuantizedMatrix.GroupSize"/> consecutive weights along a row
/// is rounded to the symmetric grid d·q, q ∈ {−L..L}, L = 2^(b−1) − 1, d = max|w| / L (round to nearest, ties to even).
/// At b = 8 this is exactly int8's grid and arithmetic (<see cref="GroupQuantizer.Int8"/> then
/// <see cref="QuantizedMatrix.Dequantize"/>), so the same weights come out.
/// </summary>
public static unsafe class FakeQuantizer
{
    public const int MinBits = 2, MaxBits = 24;

    /// <summary>Rounds <paramref name="weight"/> (a contiguous float32 CPU matrix [rows, columns], columns a multiple of
    /// 32) to the <paramref name="bits"/>-bit grid in place; returns Σ(w' − w)² and Σw² (float64) for the relative error.</summary>
    public static (double ErrorSquares, double Squares) RoundInPlace(Tensor weight, int bits)
    {
        if (weight.dtype != ScalarType.Float32 || weight.device_type != DeviceType.CPU || !weight.is_contiguous() || weight.dim() != 2)
            throw new ArgumentException($"fake quantization takes a contiguous float32 CPU matrix, got {weight.dtype} {string.Join("x", weight.shape)} on {weight.device}", nameof(weight));
        if (weight.shape[1] % QuantizedMatrix.GroupSize != 0)
            throw new ArgumentException($"rows of {weight.shape[1]} columns do not split into groups of {QuantizedMatrix.GroupSize}", nameof(weight));
        long groups = weight.NumberOfElements / QuantizedMatrix.GroupSize;
        float* w = CpuKernels.Pointer(weight);
        double error = 0, squares = 0;
        var gate = new object();
        Parallel.For(0, (groups + 4095) / 4096, () => (0.0, 0.0), (band, _, sums) =>
        {
            for (long g = band * 4096; g < Math.Min(groups, band * 4096 + 4096); g++)
            {
                var (e, s) = RoundGroup(w + g * QuantizedMatrix.GroupSize, bits);
                sums.Item1 += e;
                sums.Item2 += s;
            }
            return sums;
        }, sums => { lock (gate) { error += sums.Item1; squares += sums.Item2; } });
        GC.KeepAlive(weight);
        return (error, squares);
    }

    /// <summary>One group of 32 values rounded in place; returns Σ(w' − w)² and Σw².</summary>
    public static (double ErrorSquares, double Squares) RoundGroup(Span<float> group, int bits)
    {
        if (group.Length != QuantizedMatrix.GroupSize) throw new ArgumentException($"a group has {QuantizedMatrix.GroupSize} values", nameof(group));
        fixed (float* v = group) return RoundGroup(v, bits);
    }

    private static (double, double) RoundGroup(float* v, int bits)
    {
        if (bits is < MinBits or > MaxBits) throw new ArgumentOutOfRangeException(nameof(bits), bits, $"bits must be {MinBits}..{MaxBits}");
        const int N = QuantizedMatrix.GroupSize;
        float levels = (1 << (bits - 1)) - 1;
        float max = 0;
        for (int j = 0; j < N; j++) max = MathF.Max(max, MathF.Abs(v[j]));
        // The same float32 operations as GroupQuantizer.Int8 (d = max / L, q = round(v · (1/d))) and Dequantize (d · q).
        float d = max / levels, inverse = d == 0 ? 0 : 1f / d;
        double error = 0, squares = 0;
        for (int j = 0; j < N; j++)
        {
            float q = Math.Clamp(MathF.Round(v[j] * inverse), -levels, levels);
            float rounded = d * q;
            double diff = (double)rounded - v[j];
            error += diff * diff;
            squares += (double)v[j] * v[j];
            v[j] = rounded;
        }
        return (error, squares);
    }
}
