using System.Runtime.InteropServices;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

// Legend: N rows (out features), K columns (in features), G = K / 32 groups per row, P = ⌈G / 2⌉ pairs of groups.

/// <summary>
/// A weight matrix W [N, K] quantized in groups of 32 consecutive weights of a row, each group with one float32 scale d.
/// Codes and scales live in two planes of native memory (64-byte aligned), row after row, each row padded to an even
/// number of groups (2P; a padding group has scale 0 and codes that stand for 0) so the kernels always take pairs:
/// <list type="bullet">
/// <item><see cref="ExpertWeightFormat.Int8"/>: 32 bytes per group, w ≈ q·d with q ∈ [−127, 127], d = max|w| / 127.</item>
/// <item><see cref="ExpertWeightFormat.Q4"/>: 32 bytes per pair of groups (g, g+1): byte b holds element b of group g in
/// its low nibble and element b of group g+1 in its high nibble, each as q+8 ∈ [0, 15] (one zero-extension, one mask and
/// one shift unpack 64 weights). w ≈ q·d with q ∈ [−8, 7] and d = m / −8, m the group's weight of largest magnitude
/// (llama.cpp's Q4_0 rule: that weight is exact, and 16 levels are used, not 15).</item>
/// </list>
/// Float32 scales rather than Q8_0/Q4_0's f16 ones cost 0.5 bit per weight but are exact and need no conversion in the
/// kernels (.NET exposes no F16C instruction on AVX2).
/// </summary>
public sealed unsafe class QuantizedMatrix : IDisposable
{
    public const int GroupSize = 32;

    private byte* _codes;
    private float* _scales;

    private QuantizedMatrix(ExpertWeightFormat format, int rows, int columns)
    {
        Format = format;
        Rows = rows;
        Columns = columns;
        GroupBytes = format == ExpertWeightFormat.Int8 ? GroupSize : GroupSize / 2;
        _codes = (byte*)HugePages.Allocate((nuint)CodeBytes);
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * PaddedGroups * sizeof(float)), 64);
        NativeMemory.Fill(_codes, (nuint)CodeBytes, format == ExpertWeightFormat.Int8 ? (byte)0 : (byte)0x88); // padding stands for 0
        NativeMemory.Clear(_scales, (nuint)((long)rows * PaddedGroups * sizeof(float)));
    }

    public ExpertWeightFormat Format { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int Groups => Columns / GroupSize;

    /// <summary>Groups per row with the padding: 2P, the stride of the scales plane.</summary>
    public int PaddedGroups => (Groups + 1) & ~1;

    /// <summary>Columns with the padding: the row length x is quantized to.</summary>
    public int PaddedColumns => PaddedGroups * GroupSize;

    /// <summary>int16 values per quantized row of x (<see cref="ActivationQuantizer"/>): the K' codes, then each group's sum of
    /// codes as a float32 (two int16 slots each), which the q4 kernels use to take the codes' offset of 8 out of the loop.</summary>
    public int ActivationRowLength => PaddedColumns + 2 * PaddedGroups;

    /// <summary>Bytes of codes per group: 32 (int8) or 16 (q4).</summary>
    public int GroupBytes { get; }

    public long RowCodeBytes => (long)PaddedGroups * GroupBytes;
    public long CodeBytes => Rows * RowCodeBytes;

    /// <summary>Codes and scales: what this matrix holds in memory, and what a product over it reads.</summary>
    public long ResidentBytes => CodeBytes + (long)Rows * PaddedGroups * sizeof(float);

    internal byte* Codes => _codes;
    internal float* Scales => _scales;

    /// <summary>The codes plane, row after row, in the layout described above (tests decode it independently).</summary>
    public ReadOnlySpan<byte> CodeSpan => new(_codes, checked((int)CodeBytes));

    /// <summary>The scales plane, [N, 2P].</summary>
    public ReadOnlySpan<float> ScaleSpan => new(_scales, Rows * PaddedGroups);

    /// <summary>A matrix whose planes the caller fills (<see cref="QuantizedExpertFile"/> reads saved codes and scales into them).</summary>
    internal static QuantizedMatrix Allocate(ExpertWeightFormat format, int rows, int columns) => new(format, rows, columns);

    /// <summary>Bytes of the scales plane.</summary>
    public long ScaleBytes => (long)Rows * PaddedGroups * sizeof(float);

    /// <summary>Quantizes <paramref name="weight"/>, a float32 CPU matrix [N, K] with K a multiple of 32, rows in parallel.</summary>
    public static QuantizedMatrix Quantize(Tensor weight, ExpertWeightFormat format, string name)
    {
        if (format == ExpertWeightFormat.Dense) throw new ArgumentException("Dense is not a quantized format", nameof(format));
        if (weight.dim() != 2 || weight.dtype != ScalarType.Float32 || weight.device_type != DeviceType.CPU || !weight.is_contiguous())
            throw new ArgumentException($"{name}: quantization takes a contiguous float32 CPU matrix, got {weight.dtype} {string.Join("x", weight.shape)} on {weight.device}", nameof(weight));
        if (weight.shape[1] % GroupSize != 0)
            throw new ArgumentException($"{name}: {format.ShortName()} quantizes rows in groups of {GroupSize}, but its rows have {weight.shape[1]} columns", nameof(weight));
        var q = new QuantizedMatrix(format, checked((int)weight.shape[0]), checked((int)weight.shape[1]));
        float* w = CpuKernels.Pointer(weight);
        Parallel.For(0, (q.Rows + 63) / 64, band =>
        {
            for (int r = band * 64; r < Math.Min(q.Rows, band * 64 + 64); r++)
                for (int g = 0; g < q.Groups; g++)
                {
                    float* source = w + (long)r * q.Columns + g * GroupSize;
                    byte* row = q._codes + r * q.RowCodeBytes;
                    q._scales[(long)r * q.PaddedGroups + g] = format == ExpertWeightFormat.Int8
                        ? GroupQuantizer.Int8(source, (sbyte*)(row + g * GroupSize))
                        : GroupQuantizer.Q4(source, row + g / 2 * GroupSize, high: g % 2 == 1);
                }
        });
        GC.KeepAlive(weight);
        return q;
    }

    /// <summary>W as float32 [N, K] again (the values the codes stand for): the LibTorch fallback where the kernels do not run.</summary>
    public Tensor Dequantize()
    {
        var result = empty([Rows, Columns], ScalarType.Float32);
        float* y = CpuKernels.Pointer(result);
        for (int r = 0; r < Rows; r++)
            for (int g = 0; g < Groups; g++)
            {
                float d = _scales[(long)r * PaddedGroups + g];
                byte* codes = _codes + r * RowCodeBytes;
                float* row = y + (long)r * Columns + g * GroupSize;
                for (int j = 0; j < GroupSize; j++)
                    row[j] = d * (Format == ExpertWeightFormat.Int8
                        ? ((sbyte*)codes)[g * GroupSize + j]
                        : (g % 2 == 0 ? codes[g / 2 * GroupSize + j] & 0xF : codes[g / 2 * GroupSize + j] >> 4) - 8);
            }
        return result;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_codes);
        NativeMemory.AlignedFree(_scales);
        _codes = null;
        _scales = null;
    }
}
