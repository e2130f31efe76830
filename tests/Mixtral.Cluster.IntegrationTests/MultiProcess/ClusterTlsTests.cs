using System.Diagnostics;
using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Processes;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Testing;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// Mutual TLS between the nodes and between clients and gateways, on real processes: a cluster whose nodes hold
/// certificates from its authority serves a client that holds one too, with the single process's tokens; a client
/// without TLS, or with a certificate from an authority the cluster does not trust, is refused in the handshake; and a
/// node with such a certificate does not become a member.
/// </summary>
public sealed class ClusterTlsTests(TlsClusterFixture fixture) : IClassFixture<TlsClusterFixture>
{
    private static readonly int[] Prompt = [1, 5657, 12325, 9780, 19746, 4071];
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_client_with_a_certificate_from_the_clusters_authority_gets_the_single_process_tokens()
    {
        var expected = await SingleProcessGreedyAsync(Prompt, 12);
        GenerationSummary? summary = null;
        await foreach (var e in fixture.Cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = Prompt, MaxNewTokens = 12 }))
            summary = e.Summary ?? summary;
        Assert.Equal(expected, summary!.GeneratedIds);
        var status = await fixture.Cluster.Client.StatusAsync();
        Assert.Equal(["a", "coord"], status.Nodes.Select(n => n.Name)); // the two nodes reached each other over TLS
    }

    [Fact]
    public async Task A_client_without_tls_is_refused()
    {
        await AssertRefusedAsync(new ClusterConnectionOptions { Gateway = fixture.Cluster.Gateway, ConnectTimeout = Refusal });
    }

    [Fact]
    public async Task A_client_with_a_certificate_from_another_authority_is_refused()
    {
        var stranger = fixture.Other.Issue("stranger");
        await AssertRefusedAsync(new ClusterConnectionOptions { Gateway = fixture.Cluster.Gateway, ConnectTimeout = Refusal, Tls = fixture.ClientTls(stranger) });
    }

    [Fact]
    public async Task An_expert_node_without_a_client_gateway_accepts_no_client_even_with_a_good_certificate()
    {
        string ready = fixture.Cluster.Node("a").Output.Split('\n').Single(l => l.StartsWith("node a ready:", StringComparison.Ordinal));
        Assert.EndsWith(", no client gateway", ready);
        var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(async () =>
        {
            using var socket = new System.Net.Sockets.TcpClient();
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Cluster.GatewayPorts["a"]);
        });
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_node_with_a_certificate_from_another_authority_does_not_become_a_member()
    {
        var certificate = fixture.Other.Issue("intruder");
        await using var intruder = NodeProcess.Start("intruder", ClusterProcesses.MixtralDll,
        [
            "node", "--model", FixturePaths.TinyMixtral, "--node-name", "intruder", "--role", "experts", "--plan", fixture.PlanPath,
            "--redis", fixture.Cluster.RedisEndpoint, "--silo-port", Port(FreePort.Next()), "--gateway-port", Port(FreePort.Next()),
            "--threads", "1", .. fixture.TlsFlags(certificate),
        ]);
        var clock = Stopwatch.StartNew();
        // Refused by both members (Orleans then keeps retrying for minutes before it gives up and exits: not worth waiting for).
        await intruder.WaitForLineAsync("Newly joining silos validate connectivity with all active silos", TimeSpan.FromMinutes(2));
        Console.WriteLine($"intruder refused after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.DoesNotContain($"node intruder ready", intruder.Output, StringComparison.Ordinal);
        Assert.Equal(["a", "coord"], (await fixture.Cluster.Client.StatusAsync()).Nodes.Select(n => n.Name));
    }

    private static async Task AssertRefusedAsync(ClusterConnectionOptions connection)
    {
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ClusterUnavailableException>(async () =>
        {
            await using var client = await MixtralClusterClient.ConnectAsync(connection);
            await client.StatusAsync();
        });
        Console.WriteLine($"refused after {clock.Elapsed.TotalSeconds:F1} s: {refused.Message}");
        Assert.StartsWith($"could not connect to the cluster gateway {connection.Gateway}: no connection within 5 s", refused.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Refusal + TimeSpan.FromSeconds(5), $"refusing took {clock.Elapsed}");
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task<int[]> SingleProcessGreedyAsync(int[] prompt, int tokens)
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var model = MixtralModel.Load(reader, fixture.Config, new ModelOptions());
        await using var engine = new InferenceEngine(model);
        var result = await engine.GenerateToEndAsync(new GenerationRequest(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens }));
        return [.. result.GeneratedIds];
    }
}
