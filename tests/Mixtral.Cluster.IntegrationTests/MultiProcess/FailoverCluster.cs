using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Testing;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>What the failover tests share: the tiny model, the three plan nodes, node flags, prompts and the oracle.</summary>
internal static class FailoverCluster
{
    public static readonly MixtralConfig Config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    public static readonly NodeCapacity[] Nodes = [new("coord", NodeRole.Coordinator), new("a", NodeRole.Experts), new("b", NodeRole.Experts)];
    /// <summary>One thread per node (two cores carry four nodes), and a short per-attempt timeout so retries come quickly.</summary>
    public static readonly string[] Flags = ["--threads", "1", "--expert-call-timeout", "2"];

    private static readonly int[] Prompt = [1, 5657, 12325, 9780, 19746, 4071, 16373, 7078];

    /// <summary>Distinct prompts: the same opening with a different last token each.</summary>
    public static int[][] Prompts(int count) => [.. Enumerable.Range(0, count).Select(i => (int[])[.. Prompt[..^1], Prompt[^1] + 101 * i])];

    /// <summary>The oracle: the single-process engine's greedy tokens (itself tested against Hugging Face).</summary>
    public static async Task<int[]> SingleProcessGreedyAsync(int[] prompt, int tokens)
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var model = MixtralModel.Load(reader, Config, new ModelOptions());
        await using var engine = new InferenceEngine(model);
        var result = await engine.GenerateToEndAsync(new GenerationRequest(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens }));
        return [.. result.GeneratedIds];
    }

    public static async Task<int[]> GenerateAsync(MixtralClusterClient client, int[] prompt, int tokens)
    {
        GenerationSummary? summary = null;
        await foreach (var e in client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = tokens }))
            summary = e.Summary ?? summary;
        return summary!.GeneratedIds;
    }
}
