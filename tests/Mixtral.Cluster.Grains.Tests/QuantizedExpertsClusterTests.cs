using Microsoft.Extensions.Configuration;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Tracing;
using Mixtral.Testing;
using Orleans.TestingHost;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>Three silos whose nodes keep their experts in int8 (float32 wire), and the single-process engine with int8
/// experts: the quantized format reaches the nodes through their compute options, and the cluster still equals the
/// single-process engine.</summary>
public sealed class Int8ExpertsCluster : IAsyncLifetime
{
    public static readonly ModelOptions Compute = new() { ExpertFormat = ExpertWeightFormat.Int8 };

    public TestCluster Cluster { get; private set; } = null!;
    public MixtralModel SingleProcess { get; private set; } = null!;
    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));

    public async Task InitializeAsync()
    {
        using (var reader = CheckpointReader.Open(FixturePaths.TinyMixtral))
            SingleProcess = MixtralModel.Load(reader, Config, Compute);
        var builder = new TestClusterBuilder((short)InProcessClusterFixture.NodeNames.Length);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Mixtral:Quantized"] = "int8" }));
        builder.AddSiloBuilderConfigurator<NodeConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        SingleProcess.Dispose();
    }

    private sealed class NodeConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMixtralNode(name => InProcessClusterFixture.TinyNode(name) with { Compute = Compute });
        }
    }
}

public sealed class QuantizedExpertsClusterTests(Int8ExpertsCluster fixture, ITestOutputHelper output) : IClassFixture<Int8ExpertsCluster>
{
    [Fact]
    public async Task Nodes_holding_int8_experts_give_what_the_single_process_int8_engine_gives()
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var ids = new[] { 1, 415, 2936, 9060, 285, 1142, 28705, 28770, 28723, 4205, 264, 1628, 28723, 851, 349, 264 };
        var remote = await coordinator.TraceAsync(ids);
        using var local = await ForwardTrace.RunAsync(fixture.SingleProcess, ids);
        using var localIds = local.RouterTopKIds;
        Assert.Equal(localIds.data<int>().ToArray(), remote.RouterTopKIds);
        using var remoteLogits = tensor(remote.Logits).reshape(local.Logits.shape);
        using var diff = (local.Logits - remoteLogits).abs();
        float max = diff.max().item<float>();
        output.WriteLine($"int8 experts: max |cluster - single-process| logit = {max:E3}");
        Assert.True(max <= 1e-5f, $"int8 experts on the nodes: logits differ from the single-process int8 engine by {max:E3}");
    }

    [Fact]
    public async Task Every_node_keeps_its_experts_at_int8_size()
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        await coordinator.TraceAsync([1, 415, 2936, 9060, 285, 1142, 28705, 28770, 28723, 4205, 264, 1628, 28723, 851, 349, 264]); // loads the routed experts
        var c = fixture.Config;
        long perExpert = 3L * c.HiddenSize * c.IntermediateSize * 9 / 8; // a byte per weight and a float32 scale per 32
        foreach (string node in InProcessClusterFixture.NodeNames)
        {
            var status = await fixture.Cluster.GrainFactory.GetGrain<INodeGrain>(node).DescribeAsync();
            Assert.NotEmpty(status.Experts);
            Assert.Equal(status.Experts.Length * perExpert, status.ExpertResidentBytes);
        }
    }
}
