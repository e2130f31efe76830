using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>
/// The oracle for the quantized kernels, written from the formats' documentation and nothing else: it decodes the codes
/// and scales planes itself, quantizes x by the documented activation rule, and multiplies the dequantized values in
/// double precision, one element at a time. No vector code, no code shared with the kernels.
/// </summary>
public static class QuantReference
{
    public const int Group = 32;

    /// <summary>Every weight of <paramref name="m"/> as the codes say: q·d, from the layout described on QuantizedMatrix
    /// (rows padded to an even number of groups; q4 pairs of groups share 32 bytes, the first in the low nibbles).</summary>
    public static double[,] Decode(QuantizedMatrix m)
    {
        var codes = m.CodeSpan;
        var scales = m.ScaleSpan;
        int groups = m.Columns / Group, padded = (groups + 1) / 2 * 2;
        int rowBytes = m.Format == ExpertWeightFormat.Int8 ? padded * 32 : padded * 16;
        var w = new double[m.Rows, m.Columns];
        for (int r = 0; r < m.Rows; r++)
            for (int g = 0; g < groups; g++)
            {
                double d = scales[r * padded + g];
                for (int j = 0; j < Group; j++)
                {
                    int q = m.Format == ExpertWeightFormat.Int8
                        ? unchecked((sbyte)codes[r * rowBytes + g * 32 + j])
                        : (g % 2 == 0 ? codes[r * rowBytes + g / 2 * 32 + j] & 0x0F : codes[r * rowBytes + g / 2 * 32 + j] >> 4) - 8;
                    w[r, g * Group + j] = q * d;
                }
            }
        return w;
    }

    /// <summary>x as the kernels for <paramref name="format"/> see it. int8 weights: per row, d = max|x| / 32767 and
    /// q = round(x · (1/d)) in float32, ties to even. q4: the same per block of 256 columns with 127 levels.</summary>
    public static double[,] QuantizeActivations(float[,] x, ExpertWeightFormat format)
    {
        int rows = x.GetLength(0), k = x.GetLength(1);
        int span = format == ExpertWeightFormat.Int8 ? k : 256, levels = format == ExpertWeightFormat.Int8 ? 32767 : 127;
        var result = new double[rows, k];
        for (int t = 0; t < rows; t++)
            for (int from = 0; from < k; from += span)
            {
                int to = Math.Min(k, from + span);
                float max = 0;
                for (int j = from; j < to; j++) max = Math.Max(max, Math.Abs(x[t, j]));
                float d = max / levels, inverse = d == 0 ? 0 : 1f / d;
                for (int j = from; j < to; j++)
                    result[t, j] = Math.Clamp(MathF.Round(x[t, j] * inverse, MidpointRounding.ToEven), -levels, levels) * (double)d;
            }
        return result;
    }

    /// <summary>y[t, n] = Σ_k x[t, k]·w[n, k] and the magnitude Σ_k |x[t, k]·w[n, k]| (for the rounding bound).</summary>
    public static (double[,] Y, double[,] Magnitude) Multiply(double[,] x, double[,] w)
    {
        int rows = x.GetLength(0), k = x.GetLength(1), n = w.GetLength(0);
        var y = new double[rows, n];
        var magnitude = new double[rows, n];
        for (int t = 0; t < rows; t++)
            for (int o = 0; o < n; o++)
            {
                double sum = 0, abs = 0;
                for (int j = 0; j < k; j++)
                {
                    double p = x[t, j] * w[o, j];
                    sum += p;
                    abs += Math.Abs(p);
                }
                y[t, o] = sum;
                magnitude[t, o] = abs;
            }
        return (y, magnitude);
    }

    public static double Silu(double g) => g / (1 + Math.Exp(-g));

    /// <summary>The expert as the kernels compute it: x quantized for W1/W3, silu(gate)·up, that quantized for W2.</summary>
    public static double[,] Expert(float[,] x, QuantizedMatrix w1, QuantizedMatrix w2, QuantizedMatrix w3)
    {
        var xq = QuantizeActivations(x, w1.Format);
        var (gate, _) = Multiply(xq, Decode(w1));
        var (up, _) = Multiply(xq, Decode(w3));
        var a = new float[x.GetLength(0), w1.Rows];
        for (int t = 0; t < a.GetLength(0); t++)
            for (int i = 0; i < a.GetLength(1); i++)
                a[t, i] = (float)(Silu(gate[t, i]) * up[t, i]);
        return Multiply(QuantizeActivations(a, w2.Format), Decode(w2)).Y;
    }
}
