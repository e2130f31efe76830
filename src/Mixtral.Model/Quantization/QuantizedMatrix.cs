using System.Runtime.InteropServices;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

// Legend: N rows (out features), K columns (in features), G = K / 32 groups per row, P = ⌈G / 2⌉ pairs of groups.

/// <summary>
/// A weight matrix W [N, K] quantized in groups of 32 consecutive weights of a row, each group with one scale d. The codes
/// live in one plane of native memory (64-byte aligned; 2 MB pages where the kernel gives them), row after row, each row
/// padded to an even number of groups (2P; a padding group has scale 0 and codes that stand for 0) so the kernels always
/// take pairs:
/// <list type="bullet">
/// <item><see cref="ExpertWeightFormat.Int8"/>: 32 bytes per group, w ≈ q·d with q ∈ [−127, 127], d = max|w| / 127, d a
/// float32 per group (a plane [N, 2P]).</item>
/// <item><see cref="ExpertWeightFormat.Q4"/>: 32 bytes per pair of groups (g, g+1): byte b holds element b of group g in
/// its low nibble and element b of group g+1 in its high nibble, each as q+8 ∈ [0, 15]. w ≈ q·d with q ∈ [−8, 7] rounded
/// to nearest and clamped, and d = D·s: an int8 s per group (a plane [N, 8·B], zero past the row's groups) times a
/// float32 D per block of eight groups (a plane [N, B]), the rule <see cref="Q4Blocks"/> describes.</item>
/// </list>
/// Float32 scales rather than Q8_0/Q4_K's f16 ones: exact, and no conversion in the kernels (.NET exposes no F16C on AVX2).
/// </summary>
public sealed unsafe class QuantizedMatrix : IDisposable
{
    public const int GroupSize = 32;

    private byte* _codes;
    private float* _scales; // int8: d [N, 2P]
    private sbyte* _subScales; // q4: s [N, 8B]
    private float* _blockScales; // q4: D [N, B]

    private QuantizedMatrix(ExpertWeightFormat format, int rows, int columns)
    {
        Format = format;
        Rows = rows;
        Columns = columns;
        GroupBytes = format == ExpertWeightFormat.Int8 ? GroupSize : GroupSize / 2;
        _codes = (byte*)HugePages.Allocate((nuint)CodeBytes);
        NativeMemory.Fill(_codes, (nuint)CodeBytes, format == ExpertWeightFormat.Int8 ? (byte)0 : (byte)0x88); // padding stands for 0
        if (format == ExpertWeightFormat.Int8)
            _scales = (float*)AllocateZeroed((long)rows * PaddedGroups * sizeof(float));
        else
        {
            _subScales = (sbyte*)AllocateZeroed((long)rows * SubScaleStride);
            _blockScales = (float*)AllocateZeroed((long)rows * Blocks * sizeof(float));
        }
    }

    private static void* AllocateZeroed(long bytes)
    {
        void* p = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        NativeMemory.Clear(p, (nuint)bytes);
        return p;
    }

    public ExpertWeightFormat Format { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int Groups => Columns / GroupSize;

    /// <summary>Groups per row with the padding: 2P, the stride of the int8 scales plane.</summary>
    public int PaddedGroups => (Groups + 1) & ~1;

    /// <summary>Columns with the padding: the row length x is quantized to.</summary>
    public int PaddedColumns => PaddedGroups * GroupSize;

    /// <summary>q4's blocks of eight groups per row (B).</summary>
    public int Blocks => Q4Blocks.Count(PaddedGroups);

    /// <summary>q4's sub-scales per row with the padding: 8B.</summary>
    public int SubScaleStride => Blocks * Q4Blocks.Groups;

    /// <summary>int16 values per quantized row of x: int8 weights take x as int16 codes (<see cref="ActivationQuantizer"/>),
    /// q4 as int8 codes per block (<see cref="Q4Activations"/>); each row also carries what the kernels need besides.</summary>
    public int ActivationRowLength => Format == ExpertWeightFormat.Int8
        ? PaddedColumns
        : Q4Activations.RowBytes(this) / sizeof(short);

    /// <summary>Bytes of codes per group: 32 (int8) or 16 (q4).</summary>
    public int GroupBytes { get; }

    public long RowCodeBytes => (long)PaddedGroups * GroupBytes;
    public long CodeBytes => Rows * RowCodeBytes;

    /// <summary>Codes and scales: what this matrix holds in memory, and what a product over it reads.</summary>
    public long ResidentBytes => CodeBytes + (Format == ExpertWeightFormat.Int8
        ? ScaleBytes
        : (long)Rows * SubScaleStride + (long)Rows * Blocks * sizeof(float));

    internal byte* Codes => _codes;
    internal float* Scales => _scales;
    internal sbyte* SubScales => _subScales;
    internal float* BlockScales => _blockScales;

    /// <summary>The codes plane, row after row, in the layout described above (tests decode it independently).</summary>
    public ReadOnlySpan<byte> CodeSpan => new(_codes, checked((int)CodeBytes));

    /// <summary>Every group's scale d, [N, 2P] (q4: D·s computed from its two planes).</summary>
    public ReadOnlySpan<float> ScaleSpan
    {
        get
        {
            if (Format == ExpertWeightFormat.Int8) return new(_scales, Rows * PaddedGroups);
            var scales = new float[Rows * PaddedGroups];
            fixed (float* d = scales) CopyScalesTo(d);
            return scales;
        }
    }

    /// <summary>q4's sub-scales s, [N, 8B], and block scales D, [N, B] (tests check the rule on them).</summary>
    public ReadOnlySpan<sbyte> SubScaleSpan => Format == ExpertWeightFormat.Q4 ? new(_subScales, Rows * SubScaleStride) : default;
    public ReadOnlySpan<float> BlockScaleSpan => Format == ExpertWeightFormat.Q4 ? new(_blockScales, Rows * Blocks) : default;

    /// <summary>A matrix whose planes the caller fills (<see cref="QuantizedExpertFile"/> reads saved codes into
    /// <see cref="Codes"/> and the scales through <see cref="SetScales"/>).</summary>
    internal static QuantizedMatrix Allocate(ExpertWeightFormat format, int rows, int columns) => new(format, rows, columns);

    /// <summary>Bytes of every group's scale d as float32, [N, 2P]: the form a saved file holds.</summary>
    public long ScaleBytes => (long)Rows * PaddedGroups * sizeof(float);

    /// <summary>Writes every group's scale d, [N, 2P], to <paramref name="destination"/>.</summary>
    internal void CopyScalesTo(float* destination)
    {
        if (Format == ExpertWeightFormat.Int8)
        {
            NativeMemory.Copy(_scales, destination, (nuint)ScaleBytes);
            return;
        }
        for (int r = 0; r < Rows; r++)
            for (int g = 0; g < PaddedGroups; g++)
                destination[(long)r * PaddedGroups + g] = GroupScale(r, g);
    }

    /// <summary>Takes every group's scale d, [N, 2P], from <paramref name="source"/> (a saved file's); q4 recovers its two
    /// planes from them and refuses scales its rule could not have made (<see cref="Q4Blocks.Recover"/>).</summary>
    internal void SetScales(float* source, string sourceName)
    {
        if (Format == ExpertWeightFormat.Int8)
        {
            NativeMemory.Copy(source, _scales, (nuint)ScaleBytes);
            return;
        }
        for (int r = 0; r < Rows; r++)
            for (int b = 0; b < Blocks; b++)
            {
                int first = b * Q4Blocks.Groups, count = Math.Min(Q4Blocks.Groups, PaddedGroups - first);
                _blockScales[(long)r * Blocks + b] = Q4Blocks.Recover(source + (long)r * PaddedGroups + first, count,
                    _subScales + (long)r * SubScaleStride + first, sourceName, r, b);
            }
    }

    /// <summary>Group <paramref name="g"/>'s scale d in row <paramref name="r"/>.</summary>
    public float GroupScale(int r, int g) => Format == ExpertWeightFormat.Int8
        ? _scales[(long)r * PaddedGroups + g]
        : _blockScales[(long)r * Blocks + g / Q4Blocks.Groups] * _subScales[(long)r * SubScaleStride + g];

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
            float* d = stackalloc float[q.PaddedGroups];
            for (int r = band * 64; r < Math.Min(q.Rows, band * 64 + 64); r++)
            {
                byte* row = q._codes + r * q.RowCodeBytes;
                if (format == ExpertWeightFormat.Int8)
                {
                    for (int g = 0; g < q.Groups; g++)
                        q._scales[(long)r * q.PaddedGroups + g] = GroupQuantizer.Int8(w + (long)r * q.Columns + g * GroupSize, (sbyte*)(row + g * GroupSize));
                    continue;
                }
                for (int g = 0; g < q.PaddedGroups; g++)
                    d[g] = g < q.Groups ? GroupQuantizer.Q4Scale(w + (long)r * q.Columns + g * GroupSize) : 0;
                for (int b = 0; b < q.Blocks; b++)
                {
                    int first = b * Q4Blocks.Groups;
                    q._blockScales[(long)r * q.Blocks + b] = Q4Blocks.Snap(d + first, Math.Min(Q4Blocks.Groups, q.PaddedGroups - first),
                        q._subScales + (long)r * q.SubScaleStride + first);
                }
                for (int g = 0; g < q.Groups; g++)
                    GroupQuantizer.Q4(w + (long)r * q.Columns + g * GroupSize, q.GroupScale(r, g), row + g / 2 * GroupSize, high: g % 2 == 1);
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
                float d = GroupScale(r, g);
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
        NativeMemory.AlignedFree(_subScales);
        NativeMemory.AlignedFree(_blockScales);
        _codes = null;
        _scales = null;
        _subScales = null;
        _blockScales = null;
    }
}
