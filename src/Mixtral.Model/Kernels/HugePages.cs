using System.Runtime.InteropServices;

namespace Mixtral.Model.Kernels;

/// <summary>
/// Weights in 2 MB pages. Decode streams every weight once per step, so with 4 KB pages it takes a TLB miss every 4 KB,
/// and inside a VM each miss walks two page tables. Measured side by side in one process on the 2-core EPYC VM
/// (`Mixtral.Bench kernels`-style f32 rows): 10–20% more GB/s from the same kernel with huge pages. Linux only grants them
/// to memory that asks (transparent huge pages in "madvise" mode, the usual default), so: LibTorch's allocator is told
/// to ask for its large tensors (<c>THP_MEM_ALLOC_ENABLE</c>, PyTorch's switch: madvise(MADV_HUGEPAGE) on allocations
/// of 2 MB and more), and the quantized experts' own buffers ask through <see cref="Allocate"/>.
/// </summary>
public static partial class HugePages
{
    public const string LibTorchVariable = "THP_MEM_ALLOC_ENABLE";
    private const nuint PageBytes = 2 << 20;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    /// <summary>
    /// Sets THP_MEM_ALLOC_ENABLE=1 for this process and its children unless the user set it. Call it before the first
    /// LibTorch allocation: the allocator reads it once.
    /// </summary>
    public static void PreferForLibTorchTensors()
    {
        if (Environment.GetEnvironmentVariable(LibTorchVariable) is not null) return; // the user's choice wins
        Environment.SetEnvironmentVariable(LibTorchVariable, "1");
        if (OperatingSystem.IsLinux())
            _ = SetNativeVariable(LibTorchVariable, "1", 0); // .NET keeps its own copy; LibTorch reads libc's
    }

    /// <summary>
    /// <paramref name="bytes"/> of native memory aligned to 64 bytes; buffers of 2 MB or more are aligned to 2 MB and
    /// asked to be backed by huge pages (a hint: the kernel may refuse, and nothing else changes). Free with
    /// <see cref="NativeMemory.AlignedFree"/>.
    /// </summary>
    public static unsafe void* Allocate(nuint bytes)
    {
        if (bytes < PageBytes || !OperatingSystem.IsLinux()) return NativeMemory.AlignedAlloc(bytes, 64);
        void* p = NativeMemory.AlignedAlloc(bytes, PageBytes);
        _ = Madvise(p, bytes / PageBytes * PageBytes, MadviseHugePage); // whole pages only; a refusal leaves 4 KB pages
        return p;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeVariable(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static unsafe partial int Madvise(void* address, nuint length, int advice);
}
