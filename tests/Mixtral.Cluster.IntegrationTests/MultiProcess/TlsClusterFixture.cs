using Mixtral.Client.Security;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Processes;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// Two `mixtral node` processes (coordinator "coord", experts "a") and redis-server, with mutual TLS on every silo and
/// gateway port: each node's certificate issued by the cluster's test authority, which every node trusts. A second
/// authority, which nobody trusts, issues the certificates of would-be intruders. The test client connects with a
/// certificate from the cluster's authority. "a" serves no clients (--client-gateway false).
/// </summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    private ClusterProcesses? _cluster;

    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    public TestCertificates Authority { get; } = new("cluster");
    public TestCertificates Other { get; } = new("other");
    public ClusterProcesses Cluster => _cluster!;
    public string PlanPath { get; private set; } = "";

    /// <summary>`mixtral node` flags giving a node <paramref name="certificate"/> and the cluster's authority to trust.</summary>
    public string[] TlsFlags(CertificateFiles certificate) =>
        ["--tls-certificate", certificate.CertificatePath, "--tls-key", certificate.KeyPath, "--tls-ca", Authority.AuthorityPath];

    public ClusterTlsOptions ClientTls(CertificateFiles certificate) =>
        new() { CertificatePath = certificate.CertificatePath, KeyPath = certificate.KeyPath, CaPath = Authority.AuthorityPath };

    public async Task InitializeAsync()
    {
        var plan = new RoundRobinStrategy().Place(Config, [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts)]);
        var certificates = plan.Nodes.ToDictionary(n => n.Name, n => Authority.Issue(n.Name));
        _cluster = await ClusterProcesses.StartAsync(plan, FixturePaths.TinyMixtral,
            node => ["--wire-dtype", "f32", "--threads", "1", .. TlsFlags(certificates[node.Name]), .. node.Name == "a" ? ["--client-gateway", "false"] : Array.Empty<string>()],
            ClientTls(Authority.Issue("client")));
        // A plan that also names "intruder" (an experts node owning nothing), for a node that tries to join.
        plan = plan with { Nodes = [.. plan.Nodes, new NodeCapacity("intruder", NodeRole.Experts)] };
        PlanPath = Path.Combine(Authority.Folder, "plan-with-intruder.json");
        await File.WriteAllTextAsync(PlanPath, plan.ToJson());
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        Authority.Dispose();
        Other.Dispose();
    }
}
