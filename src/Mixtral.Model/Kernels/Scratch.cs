using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mixtral.Model.Kernels;

/// <summary>
/// A per-thread, pinned float buffer for intermediates that never leave a kernel call (an expert's [n, I] activation):
/// no tensor allocation, no LibTorch call, and memory that stays warm in cache from one call to the next.
/// </summary>
internal static unsafe class Scratch
{
    [ThreadStatic] private static float[]? _buffer;

    /// <summary>At least <paramref name="floats"/> floats for this thread, valid until the next call on this thread.</summary>
    public static float* Floats(long floats)
    {
        if (_buffer is null || _buffer.Length < floats)
            _buffer = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(floats, 4096)), pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
    }
}
