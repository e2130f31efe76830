using static TorchSharp.torch;

namespace Mixtral.GpuCheck;

/// <summary>The device's memory bandwidth and matrix rate, measured in the same run as the benchmark they bound.</summary>
public sealed record DeviceCeilingsResult(long BufferBytes, double CopyGBps, double ReduceGBps, double FloorGBps, int MatmulSize, string MatmulDType, double MatmulTflops);

/// <summary>
/// Measures the ceilings through LibTorch on the device: a device-to-device copy of a buffer far larger than any cache
/// (bytes read plus bytes written over the time), a sum over the same buffer (bytes read), and a square matrix product
/// on random data. The better of the two bandwidths is the floor's denominator: the strictest floor.
/// </summary>
public static class DeviceCeilings
{
    public static DeviceCeilingsResult Measure(Device device, long bufferBytes, int matmulSize, ScalarType matmulDType, int samples)
    {
        var timer = new DeviceTimer(device);
        long floats = bufferBytes / sizeof(float);
        double copy, reduce;
        using (var source = rand([floats], dtype: ScalarType.Float32, device: device))
        using (var target = empty_like(source))
        {
            var copyTime = timer.Time(_ => target.copy_(source), warmup: 2, samples, callsPerSample: 5);
            copy = 2.0 * bufferBytes / copyTime.Min / 1e9;
            var sumTime = timer.Time(_ => { using var s = source.sum(); }, warmup: 2, samples, callsPerSample: 5);
            reduce = bufferBytes / sumTime.Min / 1e9;
            // The sum must have read every element: a mean of uniform [0, 1) numbers is near 0.5.
            using var mean = source.mean();
            double m = mean.item<float>();
            if (Math.Abs(m - 0.5) > 0.01) throw new InvalidOperationException($"bandwidth buffer mean {m}, expected ~0.5: the reduction did not read the data");
        }
        double tflops;
        using (var a = randn([matmulSize, matmulSize], dtype: matmulDType, device: device))
        using (var b = randn([matmulSize, matmulSize], dtype: matmulDType, device: device))
        {
            var t = timer.Time(_ => { using var c = a.mm(b); }, warmup: 2, samples, callsPerSample: 5);
            tflops = 2.0 * matmulSize * matmulSize * (double)matmulSize / t.Min / 1e12; // best sample: the strictest floor
        }
        return new DeviceCeilingsResult(bufferBytes, copy, reduce, Math.Max(copy, reduce), matmulSize, matmulDType.ToString(), tflops);
    }
}
