using Mixtral.Model.Kernels;
using Mixtral.Model.Quantization;

namespace Mixtral.Bench;

/// <summary>
/// Which rows the kernels run, switched inside one process so that AVX2 and AVX-512 alternate round by round on the same
/// machine state (the only comparison a shared machine allows). Avx2 turns the AVX-512 rows of the dense and quantized
/// kernels off; the JIT may still encode their 256-bit instructions with EVEX, so a real AVX2-only CPU, or
/// DOTNET_EnableAVX512=0 for the whole process, is the stricter test.
/// </summary>
public enum KernelIsa
{
    Native,
    Avx2,
}

public static class KernelIsas
{
    public static IReadOnlyList<KernelIsa> Parse(string name) => name switch
    {
        "native" => [KernelIsa.Native],
        "avx2" => [KernelIsa.Avx2],
        "both" => [KernelIsa.Native, KernelIsa.Avx2],
        _ => throw new ArgumentException($"--isa must be native, avx2 or both, got \"{name}\""),
    };

    public static string Name(this KernelIsa isa) => isa == KernelIsa.Native ? (Dot512Kernel.IsSupported ? "avx512" : "avx2") : "avx2";

    public static IDisposable Use(this KernelIsa isa)
    {
        (bool dense, bool quantized) = (Dot512Kernel.Enabled, QuantDot512Kernel.Enabled);
        bool wide = isa == KernelIsa.Native;
        Dot512Kernel.Enabled = wide && Dot512Kernel.IsSupported;
        QuantDot512Kernel.Enabled = wide && QuantDot512Kernel.IsSupported;
        return new Restore(() => (Dot512Kernel.Enabled, QuantDot512Kernel.Enabled) = (dense, quantized));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
