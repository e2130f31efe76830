using System.Globalization;
using Microsoft.Extensions.Configuration;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Testing;
using Orleans.TestingHost;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// Three silos in this process (Orleans TestingHost) serving the tiny fixture model: "Primary" is the
/// coordinator and hosts experts too, "Secondary_1" and "Secondary_2" host experts; experts are spread
/// round-robin over all three. Also loads the single-process engine's model, the oracle the cluster must equal.
/// </summary>
public abstract class InProcessClusterFixture(WireDType wire, int maxBatchSequences = 32, int maxQueuedRequests = 256) : IAsyncLifetime
{
    public static readonly string[] NodeNames = ["Primary", "Secondary_1", "Secondary_2"];

    public TestCluster Cluster { get; private set; } = null!;
    public MixtralModel SingleProcess { get; private set; } = null!;
    public SafetensorsFile SingleProcessReference { get; } = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    public WireDType Wire => wire;

    public static PlacementPlan Plan(MixtralConfig config) => new RoundRobinStrategy().Place(config,
    [
        new NodeCapacity("Primary", NodeRole.All),
        new NodeCapacity("Secondary_1", NodeRole.Experts),
        new NodeCapacity("Secondary_2", NodeRole.Experts),
    ]);

    /// <summary>Node <paramref name="name"/> of the three-silo tiny cluster: "Primary" coordinates and holds experts, the
    /// others hold experts; <paramref name="plan"/> (default: round-robin) places them, f32 on the wire. Fixtures
    /// differ from it in one or two settings (<c>with { ... }</c>).</summary>
    public static NodeSettings TinyNode(string name, PlacementPlan? plan = null) => new()
    {
        NodeName = name,
        Role = name == "Primary" ? NodeRole.All : NodeRole.Experts,
        ModelPath = FixturePaths.TinyMixtral,
        Plan = plan ?? Plan(MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"))),
        WireDType = WireDType.Float32,
    };

    public async Task InitializeAsync()
    {
        using (var reader = CheckpointReader.Open(FixturePaths.TinyMixtral))
            SingleProcess = MixtralModel.Load(reader, Config, new ModelOptions());
        var builder = new TestClusterBuilder((short)NodeNames.Length);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mixtral:WireDType"] = wire.ToString(),
            ["Mixtral:MaxBatchSequences"] = maxBatchSequences.ToString(CultureInfo.InvariantCulture),
            ["Mixtral:MaxQueuedRequests"] = maxQueuedRequests.ToString(CultureInfo.InvariantCulture),
        }));
        builder.AddSiloBuilderConfigurator<NodeConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        SingleProcess.Dispose();
        SingleProcessReference.Dispose();
    }

    private sealed class NodeConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var wire = Enum.Parse<WireDType>(silo.Configuration["Mixtral:WireDType"]!);
            silo.AddMixtralNode(name => TinyNode(name) with
            {
                WireDType = wire,
                Engine = new EngineOptions
                {
                    MaxBatchSequences = int.Parse(silo.Configuration["Mixtral:MaxBatchSequences"]!, CultureInfo.InvariantCulture),
                    MaxQueuedRequests = int.Parse(silo.Configuration["Mixtral:MaxQueuedRequests"]!, CultureInfo.InvariantCulture),
                },
            });
        }
    }
}

public sealed class Float32WireCluster() : InProcessClusterFixture(WireDType.Float32);

public sealed class Float16WireCluster() : InProcessClusterFixture(WireDType.Float16);

public sealed class BFloat16WireCluster() : InProcessClusterFixture(WireDType.BFloat16);

/// <summary>A coordinator that decodes one sequence at a time and queues none: the second request is refused.</summary>
public sealed class SingleSlotCluster() : InProcessClusterFixture(WireDType.Float32, maxBatchSequences: 1, maxQueuedRequests: 0);

/// <summary>A cluster of its own for a test that stops one of its silos.</summary>
public sealed class ClusterToDegrade() : InProcessClusterFixture(WireDType.Float32);
