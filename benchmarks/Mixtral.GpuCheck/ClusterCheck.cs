using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.GpuCheck;

/// <summary>One prompt generated through the cluster.</summary>
public sealed record ClusterPrompt(int Prompt, int[] Generated, int Matched, int Total, double Milliseconds);

/// <summary>The 2-node check: did the cluster generate Hugging Face's greedy tokens for every fixture prompt.</summary>
public sealed record ClusterResult(
    string CoordinatorDevice, string ExpertDevice, string DType, string Wire, bool Passed, int Matched, int Total,
    double StartSeconds, double GenerateSeconds, ClusterPrompt[] Prompts);

/// <summary>
/// A coordinator and an expert node (every expert) on loopback, generating each fixture prompt's greedy continuation
/// through the Orleans client, token for token against transformers' generate(). Hidden states cross the wire in float32
/// by default: bf16 on the wire moves logits by more than the fixture's smallest greedy margin (ARCHITECTURE.md).
/// </summary>
public static class ClusterCheck
{
    public static async Task<ClusterResult> RunAsync(string fixtureFolder, string coordinatorDevice, string expertDevice, string dtype,
        WireDType wire, string workFolder, IReadOnlyList<int> ports, Action<string>? progress = null)
    {
        using var fixture = new GoldenFixture(fixtureFolder);
        var clock = Stopwatch.StartNew();
        await using var pair = await LoopbackPair.StartAsync(fixtureFolder, coordinatorDevice, expertDevice, dtype, wire, workFolder, ports);
        double startSeconds = clock.Elapsed.TotalSeconds;
        progress?.Invoke($"cluster: coordinator on {coordinatorDevice}, {pair.Plan.ExpertsOn(LoopbackPair.ExpertNode).Count()} experts on {expertDevice}, up in {startSeconds:F1} s");
        clock.Restart();
        await using var client = MixtralClusterClient.Over(pair.CoordinatorServices.GetRequiredService<IClusterClient>());
        var prompts = new List<ClusterPrompt>();
        foreach (var prompt in fixture.Prompts)
        {
            var started = Stopwatch.StartNew();
            int[]? generated = null;
            var request = new GenerateRequest { PromptIds = prompt.InputIds, MaxNewTokens = prompt.GreedyTokens.Length };
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await foreach (var e in client.GenerateAsync(request, timeout.Token))
                if (e.Summary is not null) generated = e.Summary.GeneratedIds;
            if (generated is null) throw new InvalidOperationException($"prompt {prompt.Index}: the stream ended without a summary");
            int matched = generated.Zip(prompt.GreedyTokens).TakeWhile(p => p.First == p.Second).Count();
            prompts.Add(new ClusterPrompt(prompt.Index, generated, matched, prompt.GreedyTokens.Length, started.Elapsed.TotalMilliseconds));
            progress?.Invoke($"cluster: prompt {prompt.Index}: {matched}/{prompt.GreedyTokens.Length} greedy tokens equal HF's in {started.Elapsed.TotalMilliseconds:F0} ms");
        }
        int total = prompts.Sum(p => p.Total), all = prompts.Sum(p => p.Matched);
        bool passed = prompts.All(p => p.Matched == p.Total && p.Generated.Length == p.Total);
        return new ClusterResult(coordinatorDevice, expertDevice, dtype, wire.ToString(), passed, all, total, startSeconds, clock.Elapsed.TotalSeconds, [.. prompts]);
    }
}
