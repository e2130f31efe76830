using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Cluster.Contracts.Placement;
using Orleans.Runtime;

namespace Mixtral.Client;

/// <summary>
/// A connection to a Mixtral cluster through one of its gateways. Requests go to the coordinator, which
/// tokenizes, so the client needs no model folder.
/// </summary>
public sealed class MixtralClusterClient : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly IClusterClient _client;
    private readonly CoordinatorWatch _watch;

    private MixtralClusterClient(IHost? host, IClusterClient client)
    {
        _host = host;
        _client = client;
        _watch = new CoordinatorWatch(client);
    }

    /// <summary>Wraps a client the caller already has (e.g. a silo's own, in the embedded default).</summary>
    public static MixtralClusterClient Over(IClusterClient client) => new(null, client);

    /// <summary>Connects to a gateway given as host:port, or to several as host:port,host:port (a cluster with the default
    /// id, without TLS).</summary>
    public static Task<MixtralClusterClient> ConnectAsync(string gateway, CancellationToken cancellationToken = default) =>
        ConnectAsync(new ClusterConnectionOptions { Gateway = gateway }, cancellationToken);

    /// <summary>Connects to the gateways of <paramref name="connection"/>: one host:port, or several as host:port,host:port
    /// (a client that knows more than one gateway keeps working when one node is lost, the coordinator's included).</summary>
    public static async Task<MixtralClusterClient> ConnectAsync(ClusterConnectionOptions connection, CancellationToken cancellationToken = default)
    {
        string gateway = connection.Gateway;
        var endpoints = gateway.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseEndpoint).ToArray();
        if (endpoints.Length == 0) throw new ArgumentException($"--cluster: \"{gateway}\" names no gateway (HOST:PORT, or several separated by commas)");
        // Certificates are read before connecting: a bad file is the caller's mistake, not an unavailable cluster.
        var certificates = connection.Tls is { } tls ? Security.ClusterCertificates.Load(tls) : null;
        var attempts = new ConnectionAttempts();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseConnectionRetryFilter(attempts.ShouldRetryAsync);
            client.UseStaticClustering(endpoints)
                .Configure<Orleans.Configuration.ClusterOptions>(o => { o.ClusterId = connection.ClusterId; o.ServiceId = "mixtral-distributed"; })
                // A token stream waits for each next token as one call: a long step (a big prefill, a node being replaced)
                // must not end it. A lost coordinator is noticed by CoordinatorWatch (within a second of the cluster
                // declaring its node dead) or by the dropped connection, not by this timeout.
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            if (certificates is not null)
                client.UseTls(certificates.Local, o => Security.ClusterTls.Configure(o, certificates, connection.Tls!.HandshakeTimeout));
        });
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(connection.ConnectTimeout);
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e)
        {
            host.Dispose();
            string why = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"no connection within {connection.ConnectTimeout.TotalSeconds:F0} s ({attempts.Describe() ?? "no answer"}); " +
                  (connection.Tls is null
                      ? "a cluster with TLS refuses clients without a certificate (--tls-certificate)"
                      : "a gateway refuses a certificate its authority (--tls-ca) did not issue")
                : attempts.Describe() ?? e.Message;
            throw new ClusterUnavailableException($"could not connect to the cluster gateway {gateway}: {why}", e);
        }
        return new MixtralClusterClient(host, host.Services.GetRequiredService<IClusterClient>());
    }

    /// <summary>The longest one call (one next token of a stream included) may take before it fails with a timeout.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long `cluster status` waits for one node to describe itself; one that does not answer is listed as missing.</summary>
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(10);

    private ICoordinatorGrain Coordinator => _client.GetGrain<ICoordinatorGrain>(0);

    /// <summary>Streams one generation. Losing the coordinator (its node dies or leaves) ends it within seconds with a
    /// <see cref="ClusterUnavailableException"/>: retry it, and a coordinator re-activated on a surviving node serves it.</summary>
    public async IAsyncEnumerable<TokenEvent> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in WatchedGeneration.RunAsync(Coordinator, _watch, request, cancellationToken).WithCancellation(cancellationToken))
            yield return e;
    }

    public Task<TraceResult> TraceAsync(int[] tokenIds, CancellationToken cancellationToken = default) =>
        Coordinator.TraceAsync(tokenIds, cancellationToken);

    /// <summary>Times fan-outs of a given shape to experts that answer without computing (the distributed overhead alone).</summary>
    public Task<FanOutProbe> ProbeFanOutAsync(int experts, int rowsPerExpert, int samples) => Coordinator.ProbeFanOutAsync(experts, rowsPerExpert, samples);

    /// <summary>Starts a fresh window for the coordinator's fan-out metrics (benchmarks measure one phase at a time).</summary>
    public Task ResetMetricsAsync() => Coordinator.ResetMetricsAsync();

    /// <summary>A real one-token forward step through the coordinator and every expert owner (for /health).</summary>
    public Task<ClusterHealth> HealthAsync(CancellationToken cancellationToken = default) =>
        Coordinator.CheckHealthAsync().WaitAsync(cancellationToken);

    /// <summary>The served model (folder name, fingerprint, context, vocabulary) and the engine's limits (for /info, /v1/models).</summary>
    public Task<ModelInfo> ModelInfoAsync(CancellationToken cancellationToken = default) =>
        Coordinator.DescribeModelAsync().WaitAsync(cancellationToken);

    /// <summary>The routing statistics of every serving step so far (the JSON `mixtral plan --stats` reads) and the node loads.</summary>
    /// <summary>Applies a new placement plan to the running cluster (warm, switch between steps, retire); see <see cref="IPlanChangeGrain"/>.</summary>
    public Task<PlanChangeReport> ApplyPlanAsync(string planJson, string source) => _client.GetGrain<IPlanChangeGrain>(0).ApplyAsync(planJson, source);

    /// <summary>The plan the cluster routes by now and its generation (0 = the plan it started with).</summary>
    public Task<ServingPlan> ServingPlanAsync() => _client.GetGrain<IPlanChangeGrain>(0).GetServingPlanAsync();

    /// <summary>The coordinator's expert calls by node: count, mean, p50 and p99 latency.</summary>
    public Task<NodeCallLatency[]> NodeCallLatencyAsync() => _client.GetGrain<INodeLatencyGrain>(0).GetNodeCallLatencyAsync();

    public Task<Mixtral.Cluster.Contracts.Statistics.RoutingStatisticsSnapshot> RoutingStatisticsAsync() =>
        _client.GetGrain<Mixtral.Cluster.Contracts.Statistics.IRoutingStatisticsGrain>(Mixtral.Cluster.Contracts.Statistics.RoutingStreamNames.Key).GetAsync();

    /// <summary>Asks node <paramref name="node"/> to drain (finish its requests in flight, then leave); returns how many were in flight.</summary>
    public Task<int> DrainNodeAsync(string node) => _client.GetGrain<INodeGrain>(node).DrainAsync();

    /// <summary>The names of the nodes that are active members of the cluster now (membership only: asks no node).</summary>
    public async Task<IReadOnlyList<string>> ActiveNodesAsync() =>
        [.. (await _client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true)).Select(h => h.SiloName).Order(StringComparer.Ordinal)];

    /// <summary>Asks every active silo's node grain, and the coordinator, what they hold.</summary>
    public async Task<ClusterStatus> StatusAsync()
    {
        var everyEntry = await _client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var hosts = everyEntry.Where(h => h.Status == SiloStatus.Active).ToList();
        var described = await Task.WhenAll(hosts.Select(async h =>
        {
            try { return await _client.GetGrain<INodeGrain>(h.SiloName).DescribeAsync().WaitAsync(DescribeTimeout); }
            catch (Exception e) when (e is TimeoutException or OrleansException) { return null; } // dying: listed as missing
        }));
        var nodes = described.OfType<NodeStatus>().ToArray();
        var plan = await PlanFromAnyAsync(nodes.Select(n => n.Name));
        CoordinatorStatus? coordinator = null;
        try
        {
            coordinator = await Coordinator.DescribeAsync().WaitAsync(DescribeTimeout);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // No coordinator node is up yet: report the nodes that are.
        }
        return new ClusterStatus([.. nodes.OrderBy(n => n.Name, StringComparer.Ordinal)], coordinator)
        {
            Missing = MissingNodes.Find(everyEntry, nodes, plan), // dead nodes stay in view, with what they leave unserved
        };
    }

    /// <summary>The plan, from the first of <paramref name="nodes"/> that answers (one killed a moment ago may still be listed).</summary>
    private async Task<Mixtral.Cluster.Contracts.Placement.PlacementPlan?> PlanFromAnyAsync(IEnumerable<string> nodes)
    {
        foreach (var node in nodes)
        {
            try
            {
                string json = await _client.GetGrain<INodeGrain>(node).PlanJsonAsync().WaitAsync(DescribeTimeout);
                return Mixtral.Cluster.Contracts.Placement.PlacementPlan.FromJson(json, "the cluster's plan");
            }
            catch (Exception e) when (e is TimeoutException or OrleansException) { }
        }
        return null;
    }

    private static IPEndPoint ParseEndpoint(string gateway)
    {
        int colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"--cluster: \"{gateway}\" is not HOST:PORT (e.g. 127.0.0.1:30000)");
        string host = gateway[..colon];
        var address = IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"--cluster: host \"{host}\" does not resolve");
        return new IPEndPoint(address, port);
    }

    public async ValueTask DisposeAsync()
    {
        _watch.Dispose();
        if (_host is null) return;
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
