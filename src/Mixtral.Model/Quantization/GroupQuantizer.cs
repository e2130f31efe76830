namespace Mixtral.Model.Quantization;

/// <summary>
/// The rounding rules for one group of <see cref="QuantizedMatrix.GroupSize"/> values, written once: weights at load
/// (int8 and q4), and the rows of x at every product (int16, so that the kernels multiply integers).
/// Rounding is to nearest, ties to even, as the kernels' vector conversion rounds.
/// </summary>
internal static unsafe class GroupQuantizer
{
    private const int N = QuantizedMatrix.GroupSize;

    /// <summary>q = round(v / d), d = max|v| / 127 (0 for an all-zero group); returns d.</summary>
    public static float Int8(float* v, sbyte* q)
    {
        float max = 0;
        for (int j = 0; j < N; j++) max = MathF.Max(max, MathF.Abs(v[j]));
        float d = max / 127f, inverse = d == 0 ? 0 : 1f / d;
        for (int j = 0; j < N; j++) q[j] = (sbyte)Math.Clamp(MathF.Round(v[j] * inverse), -127f, 127f);
        return d;
    }

    /// <summary>q = round(v / d) for <paramref name="count"/> values, d = max|v| / 32767 (0 for all zeros); returns d. One
    /// scale per row of x: 16 bits leave x's rounding error (≤ 1.5e-5 of the row's largest value) far below the weights'.</summary>
    public static float Int16(float* v, int count, short* q)
    {
        float max = 0;
        for (int j = 0; j < count; j++) max = MathF.Max(max, MathF.Abs(v[j]));
        float d = max / 32767f, inverse = d == 0 ? 0 : 1f / d;
        for (int j = 0; j < count; j++) q[j] = (short)Math.Clamp(MathF.Round(v[j] * inverse), -32767f, 32767f);
        return d;
    }

    /// <summary>Q4_0's scale: d = m / −8 for m the value of largest magnitude (that value is then exactly the code −8).</summary>
    public static float Q4Scale(float* v)
    {
        float m = 0;
        for (int j = 0; j < N; j++)
            if (MathF.Abs(v[j]) > MathF.Abs(m)) m = v[j];
        return m / -8f;
    }

    /// <summary>q = clamp(round(v / d), −8, 7) (0 when d is 0), stored as q+8 in the low (<paramref name="high"/> false) or
    /// high nibble of the 32 bytes of <paramref name="pair"/>.</summary>
    public static void Q4(float* v, float d, byte* pair, bool high)
    {
        float inverse = d == 0 ? 0 : 1f / d;
        for (int b = 0; b < N; b++)
        {
            int code = (int)Math.Clamp(MathF.Round(v[b] * inverse), -8f, 7f) + 8;
            pair[b] = high ? (byte)((pair[b] & 0x0F) | code << 4) : (byte)((pair[b] & 0xF0) | code);
        }
    }
}
