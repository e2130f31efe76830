using Mixtral.Model.Experts;
using Mixtral.Model.Inference;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.GpuCheck;

/// <summary>What to measure: the expert's shape and dtype, how many experts to rotate over, the batch sizes.</summary>
public sealed record ExpertBenchOptions(
    string Device, int Hidden, int Intermediate, string DType, int Experts, int[] Batches,
    long BandwidthBytes, int MatmulSize, int Samples, int CallsPerSample);

/// <summary>One batch size: the expert as the node runs it, its parts alone, and the fused-W1/W3 variant, against the floor.</summary>
public sealed record ExpertBatchResult(
    int Rows, double Seconds, double LatencySeconds, double FloorSeconds, double FractionOfFloor, double WeightGBps, double Tflops,
    double W1Seconds, double W2Seconds, double ActivationSeconds, double FusedSeconds, double FusedFractionOfFloor);

public sealed record ExpertBenchResult(
    string Device, string DType, int Hidden, int Intermediate, int Experts, long ExpertBytes,
    DeviceCeilingsResult Ceilings, ExpertBatchResult[] Batches);

/// <summary>
/// One expert's SwiGLU FFN (W2(silu(W1 x) ⊙ W3 x), <see cref="ExpertWeights.Forward"/>, the code an expert node runs) at
/// a given shape, on random weights, rotating over several experts' weights so no cache holds them. The floor of a call
/// is the larger of (weight bytes / measured bandwidth) and (FLOPs / measured matrix rate). Where the rest goes is
/// measured, not guessed: W1 alone, W2 alone and the activation alone at the same shape, and a variant with W1 and W3 in
/// one [2I, D] matrix (one product instead of two).
/// </summary>
public static class ExpertBench
{
    public static ExpertBenchResult Run(ExpertBenchOptions o, Action<string>? progress = null)
    {
        var device = ModelOptions.ParseDevice(o.Device);
        var dtype = ModelOptions.ParseFloat(o.DType, "--dtype");
        using var _ = torch.inference_mode();
        var ceilings = DeviceCeilings.Measure(device, o.BandwidthBytes, o.MatmulSize, dtype, o.Samples);
        progress?.Invoke($"expert bench {o.Device}: copy {ceilings.CopyGBps:F0} GB/s, reduce {ceilings.ReduceGBps:F0} GB/s, {dtype} matmul {ceilings.MatmulTflops:F2} TFLOP/s");

        var experts = new ExpertWeights[o.Experts];
        var fused = new Tensor[o.Experts]; // [2I, D]: W1 over W3
        var gates = new Linear[o.Experts]; // W1 alone, for its own timing (the expert keeps W1 and W3 fused)
        try
        {
            for (int e = 0; e < o.Experts; e++)
            {
                experts[e] = new ExpertWeights(Random(o.Intermediate, o.Hidden), Random(o.Hidden, o.Intermediate), Random(o.Intermediate, o.Hidden));
                gates[e] = new Linear(experts[e].GateUp!.Gate());
                using var up = experts[e].GateUp!.Up();
                fused[e] = cat([gates[e].Weight, up], 0);
            }
            long expertBytes = experts[0].ResidentBytes;
            var timer = new DeviceTimer(device);
            var results = new List<ExpertBatchResult>();
            foreach (int rows in o.Batches)
            {
                results.Add(MeasureBatch(o, timer, experts, gates, fused, rows, expertBytes, ceilings, device, dtype));
                var r = results[^1];
                progress?.Invoke($"expert bench {o.Device}: {rows,4} rows: {r.Seconds * 1e6:F1} µs, floor {r.FloorSeconds * 1e6:F1} µs " +
                    $"({r.FractionOfFloor:P0} of floor), fused W1/W3 {r.FusedSeconds * 1e6:F1} µs");
            }
            return new ExpertBenchResult(o.Device, o.DType, o.Hidden, o.Intermediate, o.Experts, expertBytes, ceilings, [.. results]);
        }
        finally
        {
            foreach (var e in experts) e?.Dispose();
            foreach (var f in fused) f?.Dispose();
            foreach (var g in gates) g?.Dispose();
        }

        Linear Random(int outFeatures, int inFeatures)
        {
            using var w = randn([outFeatures, inFeatures], dtype: ScalarType.Float32, device: device);
            return new Linear(w.mul_(1.0 / Math.Sqrt(inFeatures)).to(dtype)); // unit-variance outputs, as trained weights give
        }
    }

    private static ExpertBatchResult MeasureBatch(ExpertBenchOptions o, DeviceTimer timer, ExpertWeights[] experts, Linear[] gates, Tensor[] fused,
        int rows, long expertBytes, DeviceCeilingsResult ceilings, Device device, ScalarType dtype)
    {
        int n = experts.Length;
        using var x = randn([rows, o.Hidden], dtype: dtype, device: device);
        using var hidden = randn([rows, o.Intermediate], dtype: dtype, device: device);
        TimingSample Time(Action<int> work) => timer.Time(work, warmup: 2 * n, o.Samples, o.CallsPerSample * n);

        var whole = Time(i => { using var y = experts[i % n].Forward(x); });
        var latency = timer.Time(i => { using var y = experts[i % n].Forward(x); timer.Synchronize(); }, warmup: n, o.Samples, n);
        var w1 = Time(i => { using var y = gates[i % n].Forward(x); });
        var w2 = Time(i => { using var y = experts[i % n].W2!.Forward(hidden); });
        var activation = Time(_ => { using var a = nn.functional.silu(hidden); using var y = a.mul_(hidden); });
        var fusedTime = Time(i =>
        {
            using var scope = NewDisposeScope();
            var both = nn.functional.linear(x, fused[i % n]).chunk(2, 1); // [rows, I] each
            using var y = experts[i % n].W2!.Forward(nn.functional.silu(both[0]).mul_(both[1])).MoveToOuterDisposeScope();
        });

        double flops = 2.0 * 3 * o.Hidden * (double)o.Intermediate * rows;
        double floor = Math.Max(expertBytes / (ceilings.FloorGBps * 1e9), flops / (ceilings.MatmulTflops * 1e12));
        return new ExpertBatchResult(rows, whole.Median, latency.Median, floor, floor / whole.Median,
            expertBytes / whole.Median / 1e9, flops / whole.Median / 1e12,
            w1.Median, w2.Median, activation.Median, fusedTime.Median, floor / fusedTime.Median);
    }
}
