using System.Runtime.InteropServices;

namespace Mixtral.Model.Kernels;

/// <summary>
/// How LibTorch's CPU threads wait between parallel regions. LibTorch runs its ops on GNU OpenMP threads which, unless told
/// otherwise, spin for a long while after every parallel region waiting for the next one. The kernels' own pool, the
/// server's threads and any other process need those same cores: a thread spinning there slows whatever runs next
/// (measured on a shared 2-core VM, `Mixtral.Bench many-rows`: LibTorch's float32 <c>linear</c> 2–8× faster and the kernels
/// in between 3–9× faster with PASSIVE). PASSIVE makes an idle OpenMP thread sleep at once; waking it costs a few
/// microseconds per parallel op, noise next to the milliseconds a spinning neighbour takes.
/// </summary>
public static partial class LibTorchThreads
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE for this process and its children unless the user set it. Call it before the first
    /// LibTorch call: OpenMP reads its environment once, when LibTorch loads it.
    /// </summary>
    public static void PreferSleepingWaits()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not null) return; // the user's choice wins
        Environment.SetEnvironmentVariable(Variable, "PASSIVE"); // what child processes inherit
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = SetNativeVariable(Variable, "PASSIVE", 0); // .NET keeps its own copy; native code reads libc's
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeVariable(string name, string value, int overwrite);
}
