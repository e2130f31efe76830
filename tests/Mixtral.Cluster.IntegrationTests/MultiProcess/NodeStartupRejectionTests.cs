using System.Text.Json;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>A node refuses to start, with a message saying why, when the plan or its model is wrong.</summary>
public sealed class NodeStartupRejectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-reject-").FullName;
    private readonly MixtralConfig _config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));

    private PlacementPlan GoodPlan() => new RoundRobinStrategy().Place(_config,
        [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);

    [Fact]
    public async Task Plan_leaving_an_expert_unowned_is_rejected()
    {
        var plan = GoodPlan();
        plan = plan with { Experts = [.. plan.Experts.Where(e => !(e.Layer == 2 && e.Expert == 5))] };
        var (code, output) = await StartNodeAsync(plan, "a");
        Assert.Equal(1, code);
        Assert.Contains("left unowned: L2: E5", output);
    }

    [Fact]
    public async Task Plan_naming_an_unknown_node_is_rejected()
    {
        var plan = GoodPlan();
        plan = plan with { Experts = [.. plan.Experts.Select(e => e.Layer == 0 && e.Expert == 1 ? e with { Nodes = ["c"] } : e)] };
        var (code, output) = await StartNodeAsync(plan, "a");
        Assert.Equal(1, code);
        Assert.Contains("unknown node \"c\"", output);
    }

    [Fact]
    public async Task Plan_exceeding_a_nodes_memory_budget_is_rejected()
    {
        var plan = GoodPlan();
        plan = plan with { Nodes = [.. plan.Nodes.Select(n => n.Name == "b" ? n with { MemoryBudgetBytes = 1_000_000 } : n)] };
        var (code, output) = await StartNodeAsync(plan, "a");
        Assert.Equal(1, code);
        Assert.Contains("node \"b\" needs", output);
        Assert.Contains("over its budget", output);
    }

    [Fact]
    public async Task Node_over_its_own_memory_flag_is_rejected()
    {
        var (code, output) = await StartNodeAsync(GoodPlan(), "a", "--memory", "0.001");
        Assert.Equal(1, code);
        Assert.Contains("over its memory budget", output);
    }

    [Fact]
    public async Task Node_not_in_the_plan_is_rejected()
    {
        var (code, output) = await StartNodeAsync(GoodPlan(), "z");
        Assert.Equal(1, code);
        Assert.Contains("node \"z\" is not in the plan", output);
    }

    [Fact]
    public async Task Node_with_a_different_model_is_rejected()
    {
        // Same tokenizer, different shape: a 2-layer model folder joining a cluster planned for the 4-layer fixture.
        string other = Path.Combine(_dir, "other-model");
        var synth = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "synth", "--config", WriteConfig(_config with { NumHiddenLayers = 2 }), "--out", other]);
        Assert.True(synth.ExitCode == 0, synth.ToString());
        var (code, output) = await StartNodeAsync(GoodPlan(), "a", modelPath: other);
        Assert.Equal(1, code);
        Assert.Contains("plan is for a model with 4 layers × 8 experts, this model has 2 layers × 8 experts", output);
    }

    [Fact]
    public async Task Node_with_a_same_size_model_of_another_shape_is_rejected()
    {
        string other = Path.Combine(_dir, "wider-model");
        var synth = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "synth", "--config", WriteConfig(_config with { IntermediateSize = 320 }), "--out", other]);
        Assert.True(synth.ExitCode == 0, synth.ToString());
        var (code, output) = await StartNodeAsync(GoodPlan(), "a", modelPath: other);
        Assert.Equal(1, code);
        Assert.Contains("plan was made for model fingerprint", output);
    }

    [Fact]
    public async Task Settings_can_come_from_a_config_file_and_bad_keys_are_named()
    {
        string planPath = Path.Combine(_dir, "plan.json");
        await File.WriteAllTextAsync(planPath, GoodPlan().ToJson());
        string config = Path.Combine(_dir, "node.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = FixturePaths.TinyMixtral, ["node_name"] = "z", ["plan"] = planPath, ["redis"] = "127.0.0.1:1",
        }));
        var run = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "node", "--config", config], timeout: TimeSpan.FromMinutes(1));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("node \"z\" is not in the plan", run.StdErr); // every setting was read from the file

        await File.WriteAllTextAsync(config, "{\"model\": \"x\", \"gpu_count\": 2}");
        var bad = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, "node", "--config", config], timeout: TimeSpan.FromMinutes(1));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("gpu_count", bad.StdErr);
        Assert.DoesNotContain("   at ", bad.StdErr);
    }

    private async Task<(int Code, string Output)> StartNodeAsync(PlacementPlan plan, string node, string? extraFlag = null, string? extraValue = null, string? modelPath = null)
    {
        string planPath = Path.Combine(_dir, $"plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planPath, plan.ToJson());
        List<string> args = ["node", "--model", modelPath ?? FixturePaths.TinyMixtral, "--node-name", node, "--plan", planPath,
            "--redis", "127.0.0.1:1", "--silo-port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (extraFlag is not null) args.AddRange([extraFlag, extraValue!]);
        var run = await ProcessRunner.RunAsync("dotnet", [ThreeNodeClusterFixture.MixtralDll, .. args], timeout: TimeSpan.FromMinutes(1));
        Assert.DoesNotContain("   at ", run.StdErr);
        return (run.ExitCode, run.StdErr);
    }

    private string WriteConfig(MixtralConfig config)
    {
        string path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJson());
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
