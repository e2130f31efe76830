using System.Diagnostics;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.GpuCheck;

/// <summary>How one prompt compares with Hugging Face.</summary>
public sealed record PromptComparison(
    int Prompt, int Tokens, double MaxLogitDiff, int RoutingMismatches, int RoutingSlots, double MaxRouterWeightDiff,
    int GreedyMatched, int GreedyTotal, int FirstGreedyMismatch, int[] Greedy);

/// <summary>The golden check in one dtype on one device. <see cref="Passed"/> is null where no criterion is set (bf16: the drift is stated).</summary>
public sealed record GoldenResult(
    string Device, string DType, bool CpuKernels, bool? Passed, double MaxLogitDiff, int RoutingMismatches, int RoutingSlots,
    int GreedyMatched, int GreedyTotal, double LoadSeconds, double CheckSeconds, PromptComparison[] Prompts);

/// <summary>
/// The fixture model on a chosen device and dtype against transformers' own numbers: logits at every position
/// (one full forward per prompt), the router's top-k choices of every layer and token, and 24 greedy tokens per prompt
/// decoded with the KV cache. In float32 the criteria are the test suite's: logits within 5e-4, routing and greedy
/// tokens identical. In bfloat16 the same numbers are measured and reported as the drift.
/// </summary>
public static class GoldenCheck
{
    /// <summary>The test suite's tolerance (tests/Mixtral.Model.Tests/Reference/Tolerances.cs): HF float32 vs ours.</summary>
    public const double LogitTolerance = 5e-4;

    /// <param name="cpuKernels">false: LibTorch alone even where the project's CPU kernels apply, i.e. the path a GPU takes
    /// (<see cref="CpuKernels.Suspend"/> holds for this async flow).</param>
    public static async Task<GoldenResult> RunAsync(string fixtureFolder, string device, string dtype, Action<string>? progress = null, bool cpuKernels = true)
    {
        using var libTorchOnly = cpuKernels ? null : CpuKernels.Suspend();
        var options = new ModelOptions { Device = ModelOptions.ParseDevice(device), DType = ModelOptions.ParseFloat(dtype, "--dtype") };
        using var fixture = new GoldenFixture(fixtureFolder);
        var config = MixtralConfig.Load(Path.Combine(fixtureFolder, "config.json"));
        var clock = Stopwatch.StartNew();
        MixtralModel model;
        using (var reader = CheckpointReader.Open(fixtureFolder))
            model = MixtralModel.Load(reader, config, options);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using (model)
        {
            var prompts = new List<PromptComparison>();
            foreach (var prompt in fixture.Prompts)
            {
                prompts.Add(await CompareAsync(model, fixture, prompt));
                progress?.Invoke($"golden {device} {dtype}{(cpuKernels ? "" : " (LibTorch only)")}: prompt {prompt.Index}: max |logit diff| {prompts[^1].MaxLogitDiff:E2}, " +
                    $"routing {prompts[^1].RoutingMismatches}/{prompts[^1].RoutingSlots} differ, greedy {prompts[^1].GreedyMatched}/{prompts[^1].GreedyTotal}");
            }
            double maxDiff = prompts.Max(p => p.MaxLogitDiff);
            int routing = prompts.Sum(p => p.RoutingMismatches), slots = prompts.Sum(p => p.RoutingSlots);
            int matched = prompts.Sum(p => p.GreedyMatched), total = prompts.Sum(p => p.GreedyTotal);
            bool? passed = options.DType == ScalarType.Float32
                ? maxDiff <= LogitTolerance && routing == 0 && matched == total
                : null;
            return new GoldenResult(device, dtype, cpuKernels, passed, maxDiff, routing, slots, matched, total, loadSeconds, clock.Elapsed.TotalSeconds, [.. prompts]);
        }
    }

    private static async Task<PromptComparison> CompareAsync(MixtralModel model, GoldenFixture fixture, FixturePrompt prompt)
    {
        double maxLogit, maxWeight;
        int mismatches, slots;
        using (var cache = model.NewCache())
        using (var recorder = new RoutingRecorder())
        {
            using var logits = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, prompt.InputIds)], LogitRows.All), recorder);
            using var expected = fixture.Logits(prompt.Index);
            maxLogit = MaxAbsDiff(expected, logits);
            var (expectedIds, expectedWeights) = fixture.Routing(prompt.Index);
            using (expectedIds)
            using (expectedWeights)
            using (var ids = stack(recorder.ExpertIds).to(ScalarType.Int32))
            using (var weights = stack(recorder.Weights))
            {
                if (!expectedIds.shape.SequenceEqual(ids.shape))
                    throw new InvalidOperationException($"routing shape [{string.Join(", ", ids.shape)}] differs from HF's [{string.Join(", ", expectedIds.shape)}]");
                using var differ = expectedIds.ne(ids);
                mismatches = (int)differ.sum().item<long>();
                slots = (int)expectedIds.NumberOfElements;
                maxWeight = MaxAbsDiff(expectedWeights, weights);
            }
        }
        int[] greedy = await GreedyAsync(model, prompt.InputIds, prompt.GreedyTokens.Length);
        int matched = greedy.Zip(prompt.GreedyTokens).TakeWhile(p => p.First == p.Second).Count();
        return new PromptComparison(prompt.Index, prompt.InputIds.Length, maxLogit, mismatches, slots, maxWeight,
            matched, prompt.GreedyTokens.Length, matched == greedy.Length ? -1 : matched, greedy);
    }

    /// <summary>Argmax decoding with the KV cache: the prompt in one step, then one token per step.</summary>
    public static async Task<int[]> GreedyAsync(MixtralModel model, int[] prompt, int newTokens)
    {
        using var cache = model.NewCache();
        var output = new int[newTokens];
        IReadOnlyList<int> next = prompt;
        for (int step = 0; step < newTokens; step++)
        {
            using var logits = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, next)])); // [1, V]
            using var argmax = logits.argmax(-1).cpu();
            output[step] = (int)argmax.item<long>();
            next = [output[step]];
        }
        return output;
    }

    private static double MaxAbsDiff(Tensor expected, Tensor actual)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            throw new InvalidOperationException($"shape [{string.Join(", ", actual.shape)}] differs from HF's [{string.Join(", ", expected.shape)}]");
        using var onCpu = actual.to(ScalarType.Float32, CPU);
        using var diff = (expected.to(ScalarType.Float32) - onCpu).abs_();
        double max = diff.max().item<float>();
        return double.IsNaN(max) || diff.isnan().any().item<bool>() ? double.NaN : max;
    }
}
