using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// Three `mixtral node` processes and redis-server: "coord" (coordinator only) and "a", "b" (experts only, four
/// experts of every layer each, round-robin), serving the tiny fixture model with f32 on the wire.
/// </summary>
public sealed class ThreeNodeClusterFixture : IAsyncLifetime
{
    private ClusterProcesses? _cluster;

    public static string MixtralDll => ClusterProcesses.MixtralDll;
    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    public PlacementPlan Plan { get; private set; } = null!;
    public string Gateway => _cluster!.Gateway;
    public MixtralClusterClient Client => _cluster!.Client;

    public async Task InitializeAsync()
    {
        Plan = new RoundRobinStrategy().Place(Config,
            [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);
        _cluster = await ClusterProcesses.StartAsync(Plan, FixturePaths.TinyMixtral, _ => ["--wire-dtype", "f32", "--threads", "1"]);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
