using System.Runtime.Intrinsics.X86;
using Mixtral.Model.Quantization;

namespace Mixtral.Model.Tests.Quantization;

/// <summary>Every quantized-kernel path this CPU has (AVX2 always; AVX-512BW rows and AVX-VNNI where present), switched
/// on one at a time; tests that switch them share one collection so that they never run side by side.</summary>
public static class QuantizedKernelPaths
{
    public static IEnumerable<(bool Wide, bool Vnni)> All()
    {
        foreach (bool wide in QuantDot512Kernel.IsSupported ? new[] { false, true } : [false])
            foreach (bool vnni in AvxVnni.IsSupported ? new[] { false, true } : [false])
                yield return (wide, vnni);
    }

    public static IDisposable Use(bool wide, bool vnni)
    {
        (bool wasWide, bool wasVnni) = (QuantDot512Kernel.Enabled, QuantDotKernel.VnniEnabled);
        QuantDot512Kernel.Enabled = wide;
        QuantDotKernel.VnniEnabled = vnni;
        return new Restore(() => (QuantDot512Kernel.Enabled, QuantDotKernel.VnniEnabled) = (wasWide, wasVnni));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuantizedKernelPathsGroup
{
    public const string Name = "quantized kernel paths";
}
