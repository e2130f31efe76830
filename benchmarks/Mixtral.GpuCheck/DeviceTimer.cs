using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.GpuCheck;

/// <summary>
/// Wall-clock timing of device work: CUDA launches are asynchronous, so the device is synchronised before the clock
/// starts and before it is read. Work is queued back to back between the two synchronisations (as a decode step queues
/// it), so a figure is the device's time per call once the queue is full, or the host's launch time if that is longer.
/// </summary>
public sealed class DeviceTimer(Device device)
{
    public bool IsCuda { get; } = device.type == DeviceType.CUDA;

    public void Synchronize()
    {
        if (IsCuda) torch.cuda.synchronize(device);
    }

    /// <summary>Seconds per call of <paramref name="work"/>: <paramref name="warmup"/> untimed calls, then the median of
    /// <paramref name="samples"/> samples of <paramref name="callsPerSample"/> calls each. The call index lets the work rotate buffers.</summary>
    public TimingSample Time(Action<int> work, int warmup, int samples, int callsPerSample)
    {
        int call = 0;
        for (int i = 0; i < warmup; i++) work(call++);
        Synchronize();
        var perCall = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            Synchronize();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < callsPerSample; i++) work(call++);
            Synchronize();
            perCall[s] = Stopwatch.GetElapsedTime(start).TotalSeconds / callsPerSample;
        }
        Array.Sort(perCall);
        return new TimingSample(perCall[samples / 2], perCall[0], perCall[^1], samples, callsPerSample);
    }
}

/// <summary>Seconds per call: median, fastest and slowest sample.</summary>
public sealed record TimingSample(double Median, double Min, double Max, int Samples, int CallsPerSample);
