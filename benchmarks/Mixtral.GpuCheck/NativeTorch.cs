using System.Runtime.InteropServices;
using TorchSharp;

namespace Mixtral.GpuCheck;

/// <summary>
/// Loads LibTorch before the first torch call, from a folder outside the app when <see cref="FolderVariable"/> names one
/// (python torch's <c>lib/</c> on a GPU machine that has no LibTorch NuGet package), and says which files were loaded.
/// Why preload: TorchSharp's own loader (TorchSharp.torch.LoadNativeBackend) dlopens "torch_cpu"/"torch_cuda" by bare
/// name and then libLibTorchSharp.so from the app folder, whose DT_NEEDED entries (libtorch.so, libc10.so, libtorch_cpu.so)
/// the dynamic linker resolves by soname: a library already loaded under that soname is reused. Loading the folder's
/// libraries by full path first therefore binds TorchSharp to them whatever LD_LIBRARY_PATH says, and a wrong folder
/// fails here with the file's name instead of in TorchSharp's fallback that probes the NuGet cache.
/// </summary>
public static class NativeTorch
{
    public const string FolderVariable = "MIXTRAL_LIBTORCH_DIR";

    /// <summary>LibTorch's libraries in dependency order; the CUDA ones only when asked for and present.</summary>
    private static readonly string[] CpuLibraries = ["libc10.so", "libtorch_cpu.so"];
    private static readonly string[] CudaLibraries = ["libc10_cuda.so", "libtorch_cuda.so"];
    private const string TorchLibrary = "libtorch.so";

    private static readonly List<string> Preloaded = [];
    private static bool _initialised;

    /// <summary>Preloads from <see cref="FolderVariable"/> if set, then initialises TorchSharp for the device's type.</summary>
    public static void Initialise(string device)
    {
        if (_initialised) return;
        bool cuda = device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
        string? folder = Environment.GetEnvironmentVariable(FolderVariable);
        if (!string.IsNullOrEmpty(folder)) Preload(folder, cuda);
        torch.InitializeDeviceType(cuda ? DeviceType.CUDA : DeviceType.CPU); // throws with TorchSharp's load trace if CUDA is not usable
        _initialised = true;
    }

    private static void Preload(string folder, bool cuda)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{FolderVariable}={folder}: no such folder");
        var names = CpuLibraries.Concat(cuda ? CudaLibraries : []).Append(TorchLibrary);
        foreach (string name in names)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                if (name == "libc10_cuda.so") continue; // merged into libtorch_cuda.so in some builds
                throw new FileNotFoundException($"{FolderVariable}={folder}: {name} is missing (is this LibTorch's lib folder?)", path);
            }
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException($"{FolderVariable}: loading {path} failed: {e.Message}", e);
            }
            Preloaded.Add(path);
        }
    }

    /// <summary>What this process loaded: the torch, CUDA and TorchSharp libraries mapped into it, by full path.</summary>
    public static LoadedLibraries Describe() => new(
        Environment.GetEnvironmentVariable(FolderVariable),
        Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"),
        [.. Preloaded],
        MappedLibraries(path => Path.GetFileName(path) is string f &&
            (f.StartsWith("libtorch", StringComparison.Ordinal) || f.StartsWith("libc10", StringComparison.Ordinal) ||
             f.StartsWith("libLibTorchSharp", StringComparison.Ordinal) || f.StartsWith("libcudart", StringComparison.Ordinal) ||
             f.StartsWith("libcublas", StringComparison.Ordinal) || f.StartsWith("libcuda.so", StringComparison.Ordinal) ||
             f.StartsWith("libgomp", StringComparison.Ordinal) || f.StartsWith("libstdc++", StringComparison.Ordinal))));

    private static string[] MappedLibraries(Func<string, bool> keep)
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is int i and >= 0 ? line[i..].Trim() : "")
            .Where(path => path.Length > 0 && keep(path))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}

/// <summary>How LibTorch was found: the variables the loader honours and the files actually mapped.</summary>
public sealed record LoadedLibraries(string? LibTorchDir, string? LdLibraryPath, string[] Preloaded, string[] Mapped);
