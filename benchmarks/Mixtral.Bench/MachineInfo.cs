using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace Mixtral.Bench;

/// <summary>What the numbers were measured on, and how busy the machine was (other processes share its cores).</summary>
public sealed record MachineInfo(string Cpu, int LogicalCores, string VectorIsa, double MemoryGiB, string Os, string Runtime, string TorchSharp)
{
    /// <summary>"DOTNET_EnableAVX512=0 " when this run turned AVX-512 off (to measure the AVX2 kernels on an AVX-512 CPU), else empty.</summary>
    public static string Environment => AvxDisabled ? "DOTNET_EnableAVX512=0 " : "";

    private static bool AvxDisabled => !Avx512F.IsSupported && (ProcField("/proc/cpuinfo", "flags")?.Split(' ').Contains("avx512f") ?? false);

    public static MachineInfo Read() => new(
        Cpu: ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        LogicalCores: System.Environment.ProcessorCount,
        VectorIsa: Avx512F.IsSupported ? "AVX-512 (dense kernels: 512-bit on every row count; q4: AVX2; int8: AVX-512BW)"
            : AvxDisabled ? "AVX2 + FMA only: the CPU has AVX-512, turned off for this run (DOTNET_EnableAVX512=0) to measure the AVX2 kernels"
            : Avx2.IsSupported && Fma.IsSupported ? "AVX2 + FMA" : "no AVX2: LibTorch only",
        MemoryGiB: (double.TryParse(ProcField("/proc/meminfo", "MemTotal")?.Split(' ')[0], out double kb) ? kb : 0) / (1024 * 1024),
        Os: RuntimeInformation.OSDescription,
        Runtime: RuntimeInformation.FrameworkDescription,
        TorchSharp: typeof(torch).Assembly.GetName().Version?.ToString() ?? "?");

    /// <summary>The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? ProcField(string path, string name)
    {
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
