using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K columns, K' ≥ K the padded row (whole pairs of groups), B blocks of 256 columns (the last may be
// shorter), 8B group slots per row.

/// <summary>
/// Rows of x for the q4 kernels: int8 codes per block of 256 columns, q = clamp(round(x / e), −127, 127) with
/// e = max|x| / 127 over the block (round to nearest, ties to even), as llama.cpp's Q8_K quantizes activations for Q4_K.
/// Int8, not int16 as for int8 weights, so that vpmaddubsw multiplies 32 codes per instruction; per block, not per row, so
/// that one large value costs only its block's resolution; the q4 weights' own rounding (~15% per weight) dwarfs this
/// (≤ 0.4% of a block's largest value). A row's bytes (<see cref="RowBytes"/>): the K' codes; then per group
/// −8·Σ codes as int16 (<see cref="SumsOffset"/>, 8B slots; the weights are stored as q+8 and multiplied as they are, so
/// this takes the 8 back out once per group instead of once per weight); then e per block as float32 (<see cref="ScalesOffset"/>).
/// </summary>
internal static unsafe class Q4Activations
{
    public static int SumsOffset(QuantizedMatrix w) => w.PaddedColumns;

    public static int ScalesOffset(QuantizedMatrix w) => w.PaddedColumns + 2 * w.SubScaleStride;

    /// <summary>Bytes per row, a multiple of 64.</summary>
    public static int RowBytes(QuantizedMatrix w) => (ScalesOffset(w) + 4 * w.Blocks + 63) & ~63;

    /// <summary>x [T, K] (float32, K a multiple of 32) → T rows of <see cref="RowBytes"/> at <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(float* x, int rows, QuantizedMatrix w, byte* destination)
    {
        int k = w.Columns, rowBytes = RowBytes(w);
        for (int t = 0; t < rows; t++)
        {
            float* v = x + (long)t * k;
            byte* row = destination + (long)t * rowBytes;
            sbyte* q = (sbyte*)row;
            short* sums = (short*)(row + SumsOffset(w));
            float* scales = (float*)(row + ScalesOffset(w));
            new Span<byte>(q + k, w.PaddedColumns - k).Clear();
            new Span<short>(sums, w.SubScaleStride).Clear();
            for (int b = 0; b < w.Blocks; b++)
            {
                int from = b * Q4Blocks.Weights, to = Math.Min(k, from + Q4Blocks.Weights);
                scales[b] = from < to ? Block(v + from, to - from, q + from) : 0;
            }
            for (int g = 0; g < w.Groups; g++) sums[g] = (short)(-8 * GroupSum(q + g * QuantizedMatrix.GroupSize));
        }
    }

    /// <summary>One block's codes (<paramref name="count"/> a multiple of 32); returns its scale e.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Block(float* v, int count, sbyte* q)
    {
        var max = Vector256<float>.Zero;
        for (int j = 0; j < count; j += 8) max = Vector256.Max(max, Vector256.Abs(Avx.LoadVector256(v + j)));
        float e = 0;
        for (int lane = 0; lane < 8; lane++) e = MathF.Max(e, max.GetElement(lane));
        e /= 127f;
        var inverse = Vector256.Create(e == 0 ? 0 : 1f / e);
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        for (int j = 0; j < count; j += 32)
        {
            // cvtps2dq rounds to nearest, ties to even; the two packs interleave 128-bit lanes, vpermd puts the dwords back in order.
            var ab = Avx2.PackSignedSaturate(Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j) * inverse), Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j + 8) * inverse));
            var cd = Avx2.PackSignedSaturate(Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j + 16) * inverse), Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j + 24) * inverse));
            var bytes = Avx2.PackSignedSaturate(ab, cd);
            Avx2.PermuteVar8x32(bytes.AsInt32(), order).AsSByte().Store(q + j);
        }
        return e;
    }

    /// <summary>Σ of a group's 32 codes (at most 32·127: −8 times it still fits an int16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GroupSum(sbyte* q)
    {
        var pairs = Avx2.MultiplyAddAdjacent(Vector256.Create((byte)1), Avx.LoadVector256(q)); // 16 int16
        return Vector256.Sum(Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
    }
}
