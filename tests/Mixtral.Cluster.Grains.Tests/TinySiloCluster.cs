using Mixtral.Model.Config;
using Mixtral.Testing;
using Orleans.TestingHost;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>Three in-process silos (<see cref="InProcessClusterFixture.NodeNames"/>) serving the tiny fixture, each node
/// configured by <typeparamref name="TNode"/>: the cluster's lifetime, written once for the fixtures that differ only there.</summary>
public abstract class TinySiloCluster<TNode> : IAsyncLifetime where TNode : ISiloConfigurator, new()
{
    public TestCluster Cluster { get; private set; } = null!;
    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder((short)InProcessClusterFixture.NodeNames.Length);
        builder.AddSiloBuilderConfigurator<TNode>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>A tiny-fixture node whose silo also runs the incoming grain-call filter <typeparamref name="TFilter"/>: a
/// test's record of which calls arrived where.</summary>
public sealed class TinyNodeWithFilter<TFilter> : ISiloConfigurator where TFilter : class, IIncomingGrainCallFilter
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.AddMixtralNode(name => InProcessClusterFixture.TinyNode(name));
        siloBuilder.AddIncomingGrainCallFilter<TFilter>();
    }
}
