using System.Runtime.InteropServices;
using TorchSharp;

namespace Mixtral.GpuCheck;

/// <summary>The machine and the LibTorch this process runs on.</summary>
public sealed record MachineInfo(
    string Host, string Os, string Cpu, int LogicalCores, string DotNet, string TorchSharp, string LibTorchPackage,
    bool CudaAvailable, int CudaDevices, LoadedLibraries Libraries);

public static class MachineReport
{
    public static MachineInfo Describe() => new(
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        CpuModel(),
        Environment.ProcessorCount,
        RuntimeInformation.FrameworkDescription,
        typeof(torch).Assembly.GetName().Version?.ToString() ?? "?",
        torch.__version__, // the LibTorch version this TorchSharp was built against, not necessarily the one loaded
        torch.cuda.is_available(),
        torch.cuda.is_available() ? torch.cuda.device_count() : 0,
        NativeTorch.Describe());

    private static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        return File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
