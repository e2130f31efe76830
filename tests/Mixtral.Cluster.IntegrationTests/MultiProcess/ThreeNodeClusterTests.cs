using System.Text.Json;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;
using Mixtral.Model.Config;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

public sealed class ThreeNodeClusterTests(ThreeNodeClusterFixture cluster) : IClassFixture<ThreeNodeClusterFixture>
{
    private static readonly List<(int[] Ids, int[] Greedy)> Prompts = LoadPrompts();

    [Fact]
    public async Task Greedy_generation_through_the_client_equals_the_single_process_tokens()
    {
        foreach (var (ids, greedy) in Prompts)
        {
            GenerationSummary? summary = null;
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = ids, MaxNewTokens = 24 }))
                summary = e.Summary ?? summary;
            Assert.NotNull(summary);
            Assert.Equal(greedy, summary.GeneratedIds); // HF's tokens, which the single-process engine reproduces exactly
        }
    }

    [Fact]
    public async Task Concurrent_requests_share_the_steps_and_each_gets_its_own_tokens()
    {
        var runs = Prompts.Select(async p =>
        {
            GenerationSummary? summary = null;
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = p.Ids, MaxNewTokens = 24 }))
                summary = e.Summary ?? summary;
            return (p.Greedy, summary!.GeneratedIds);
        });
        foreach (var (expected, actual) in await Task.WhenAll(runs))
            Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Each_expert_node_holds_and_read_exactly_its_own_experts()
    {
        var status = await cluster.Client.StatusAsync();
        Assert.Equal(["a", "b", "coord"], status.Nodes.Select(n => n.Name));
        foreach (var node in status.Nodes.Where(n => n.Name != "coord"))
        {
            var mine = cluster.Plan.ExpertsOn(node.Name).ToList();
            Assert.Equal(16, mine.Count); // 4 experts × 4 layers
            Assert.Equal(mine.Select(k => k.ToString()).Order(), node.Experts.Order());
            var expectedTensors = mine.SelectMany(k => TensorNames.ExpertTensors(cluster.Config, k.Layer, k.Expert)).ToList();
            Assert.Equal(expectedTensors.Select(t => t.Name).Order(StringComparer.Ordinal), node.TensorsRead.Order(StringComparer.Ordinal));
            Assert.Equal(expectedTensors.Sum(t => t.Elements) * sizeof(float), node.ExpertResidentBytes); // held in f32
            Assert.Equal(0, node.SharedResidentBytes);
        }
        var coordinator = status.Nodes.Single(n => n.Name == "coord");
        Assert.Empty(coordinator.Experts);
        Assert.Equal(TensorNames.SharedTensors(cluster.Config).Select(t => t.Name).Order(StringComparer.Ordinal), coordinator.TensorsRead.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cli_generate_and_status_work_against_the_live_cluster()
    {
        var ids = string.Join(',', Prompts[1].Ids);
        var generate = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "generate", "--cluster", cluster.Gateway, "--ids", ids, "--max-new-tokens", "24", "--json"]);
        Assert.True(generate.ExitCode == 0, generate.ToString());
        using var output = JsonDocument.Parse(generate.StdOut);
        Assert.Equal(Prompts[1].Greedy, output.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));

        var status = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "cluster", "status", "--cluster", cluster.Gateway, "--json"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        using var nodes = JsonDocument.Parse(status.StdOut);
        var names = nodes.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()).ToList();
        Assert.Equal(["a", "b", "coord"], names);
    }

    [Fact]
    public async Task Cli_trace_through_the_cluster_matches_hugging_face()
    {
        string output = Path.Combine(Path.GetTempPath(), $"cluster-trace-{Guid.NewGuid():N}.safetensors");
        try
        {
            var run = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "trace", "--cluster", cluster.Gateway, "--ids", string.Join(',', Prompts[2].Ids), "--out", output]);
            Assert.True(run.ExitCode == 0, run.ToString());
            using var trace = SafetensorsFile.Open(output);
            using var reference = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
            using var logits = trace.Read("logits");
            using var expected = reference.Read("prompt2.logits");
            Assert.True((logits - expected).abs().max().item<float>() <= 5e-4f);
            using var routerIds = trace.Read("router_topk_ids");
            using var expectedIds = reference.Read("prompt2.topk_experts");
            Assert.Equal(0, routerIds.ne(expectedIds).sum().item<long>());
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static List<(int[], int[])> LoadPrompts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        return [.. doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => (
            p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray()))];
    }
}
