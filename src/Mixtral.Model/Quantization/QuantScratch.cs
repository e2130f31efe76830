using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mixtral.Model.Quantization;

/// <summary>Per-thread pinned buffers for int16-quantized activations (codes and scales) that never leave one expert call.</summary>
internal static unsafe class QuantScratch
{
    [ThreadStatic] private static short[]? _codes;
    [ThreadStatic] private static float[]? _scales;

    /// <summary>Room for <paramref name="rows"/> rows of <paramref name="columns"/> codes and a scale per row on this thread,
    /// valid until its next call.</summary>
    public static void For(int rows, int columns, out short* codes, out float* scales)
    {
        long values = (long)rows * columns, groups = rows;
        if (_codes is null || _codes.Length < values) _codes = GC.AllocateUninitializedArray<short>(checked((int)Math.Max(values, 4096)), pinned: true);
        if (_scales is null || _scales.Length < groups) _scales = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(groups, 128)), pinned: true);
        codes = (short*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_codes));
        scales = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scales));
    }
}
