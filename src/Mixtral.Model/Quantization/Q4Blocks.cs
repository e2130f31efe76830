using Mixtral.Model.Config;

namespace Mixtral.Model.Quantization;

// Legend: a block = 8 consecutive groups of one row (256 weights; a row's last block may hold fewer groups).

/// <summary>
/// q4's two-level scales. Each group's scale is d_g = D·s_g: an integer s_g ∈ [−127, 127] times one float32 scale D per
/// block of eight groups, D = max|d⁰_g| / 127 over the block and s_g = round(d⁰_g / D), d⁰_g being Q4_0's scale for the
/// group (its weight of largest magnitude over −8); the codes are then rounded against d_g. llama.cpp's Q4_K has the same
/// shape (6-bit sub-scales under one scale per 256 weights). Why: a block's products then add up in integers — vpmaddubsw
/// of the 4-bit codes with int8 rows of x, vpmaddwd against s_g — and are converted and scaled once per 256 weights
/// instead of once per 32 weights and row of x, which is what set q4's pace at several rows. The cost: each group's scale
/// is rounded to 1/254 of its block's largest (≤ 0.4% for that group, more for a group far smaller than its neighbours),
/// small beside the 4-bit codes' own rounding; and a scale takes 8 bits instead of 32 (4.375 bits per weight in all).
/// </summary>
public static unsafe class Q4Blocks
{
    public const int Groups = 8;
    public const int Weights = Groups * QuantizedMatrix.GroupSize;

    /// <summary>Blocks in a row of <paramref name="groups"/> groups.</summary>
    public static int Count(int groups) => (groups + Groups - 1) / Groups;

    /// <summary>Replaces a block's group scales <paramref name="d"/> (Q4_0's) by their two-level form D·s_g in place,
    /// writing s_g; returns D.</summary>
    internal static float Snap(float* d, int count, sbyte* s)
    {
        float max = 0;
        for (int g = 0; g < count; g++) max = MathF.Max(max, MathF.Abs(d[g]));
        float scale = max / 127f, inverse = scale == 0 ? 0 : 1f / scale;
        for (int g = 0; g < count; g++)
        {
            s[g] = (sbyte)Math.Clamp(MathF.Round(d[g] * inverse), -127f, 127f);
            d[g] = scale * s[g];
        }
        return scale;
    }

    /// <summary>Recovers s_g and D from group scales that <see cref="Snap"/> made (a saved file's float32 scales); a block
    /// whose scales are not integer multiples of one D is a <see cref="ModelFormatException"/> naming <paramref name="source"/>.</summary>
    internal static float Recover(float* d, int count, sbyte* s, string source, int row, int block)
    {
        float max = 0;
        for (int g = 0; g < count; g++) max = MathF.Max(max, MathF.Abs(d[g]));
        float scale = max / 127f;
        for (int g = 0; g < count; g++)
        {
            float ratio = scale == 0 ? 0 : d[g] / scale, rounded = MathF.Round(ratio);
            if (!float.IsFinite(ratio) || MathF.Abs(ratio - rounded) > 1e-3f || MathF.Abs(rounded) > 127)
                throw new ModelFormatException($"{source}: row {row}, block {block}: group scale {d[g]} is not an 8-bit multiple of the block's scale {scale} (not a q4 file of this version)");
            s[g] = (sbyte)rounded;
        }
        return scale;
    }
}
