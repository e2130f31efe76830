using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Processes;
using Mixtral.Testing;
using Xunit.Abstractions;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// The coordinator's node is killed (SIGKILL) while .NET and HTTP requests run: each ends within seconds with a clear,
/// retryable error (ClusterUnavailableException; HTTP 503 with Retry-After from the HTTP API on an expert node), a
/// coordinator is re-activated on a surviving node, the next request gets the single-process tokens, and the killed
/// node, started again with its original command, rejoins.
/// </summary>
public sealed class CoordinatorLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Losing_the_coordinator_ends_requests_in_flight_within_seconds_with_a_retryable_error_and_a_surviving_node_takes_over()
    {
        var plan = new RoundRobinStrategy().Place(FailoverCluster.Config, FailoverCluster.Nodes);
        var prompts = FailoverCluster.Prompts(4);
        var expected = await FailoverCluster.SingleProcessGreedyAsync(prompts[0], 24);
        int httpPort = FreePort.Next();
        await using var cluster = await ClusterProcesses.StartAsync(plan, FixturePaths.TinyMixtral,
            node => node.Name == "a" ? [.. FailoverCluster.Flags, "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)] : FailoverCluster.Flags);
        await cluster.Node("a").WaitForLineAsync("HTTP API on", TimeSpan.FromSeconds(30));
        await using var client = await MixtralClusterClient.ConnectAsync(cluster.Gateways); // every node's gateway: it outlives the coordinator's node
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromMinutes(2) };

        var clock = Stopwatch.StartNew();
        var killed = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Long requests, so every one is still running when the coordinator dies.
        var httpCall = http.PostAsJsonAsync("/generate", new { inputs = "The quick brown fox", parameters = new { max_new_tokens = 2000 } });
        var runs = prompts.Select(async (prompt, i) =>
        {
            int generated = 0;
            var error = await Assert.ThrowsAsync<ClusterUnavailableException>(async () =>
            {
                await foreach (var e in client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = 2000 }))
                    if (e.TokenId >= 0 && ++generated == 5 && i == 0)
                    {
                        await cluster.KillAsync("coord");
                        killed.SetResult(clock.Elapsed.TotalSeconds);
                    }
            });
            return (Error: error, At: clock.Elapsed.TotalSeconds);
        }).ToList();
        var failures = await Task.WhenAll(runs);
        double killedAt = await killed.Task;
        using var response = await httpCall;
        double httpAt = clock.Elapsed.TotalSeconds;

        double slowest = failures.Max(f => f.At) - killedAt;
        output.WriteLine($".NET requests ended {string.Join(", ", failures.Select(f => $"{f.At - killedAt:F2}"))} s after the kill; HTTP answered {(int)response.StatusCode} {httpAt - killedAt:F2} s after it");
        output.WriteLine(failures[0].Error.Message);
        Assert.True(slowest < 15, $"the slowest request ended {slowest:F1} s after the coordinator was killed");
        Assert.All(failures, f => Assert.Contains("can be retried", f.Error.Message));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(httpAt - killedAt < 15, $"HTTP answered {httpAt - killedAt:F1} s after the kill");

        // A new request re-activates the coordinator on a surviving node (it can hold the shared weights) and gets the right tokens.
        var resumed = Stopwatch.StartNew();
        Assert.Equal(expected, await FailoverCluster.GenerateAsync(client, prompts[0], 24));
        output.WriteLine($"first request after the loss served in {resumed.Elapsed.TotalSeconds:F2} s (coordinator re-activated)");
        var status = await client.StatusAsync();
        Assert.True(status.Coordinator!.NodeName is "a" or "b", $"the coordinator is on {status.Coordinator.NodeName}");
        Assert.Equal("coord", Assert.Single(status.Missing).Name);

        // The coordinator's node started again with its original command rejoins; the coordinator stays where it is
        // (moving it would cut the requests it serves) and the cluster keeps serving.
        await cluster.RestartAsync("coord");
        Assert.Empty((await client.StatusAsync()).Missing);
        Assert.Equal(expected, await FailoverCluster.GenerateAsync(client, prompts[0], 24));

        // `mixtral node --drain` on the node now holding the coordinator: the request in flight finishes with its
        // tokens, the node exits cleanly, and the next request goes to a coordinator on the plan's node.
        string holder = status.Coordinator.NodeName;
        var long_ = await FailoverCluster.SingleProcessGreedyAsync(prompts[1], DrainTokens);
        var fifthToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = Task.Run(async () =>
        {
            GenerationSummary? summary = null;
            int generated = 0;
            await foreach (var e in client.GenerateAsync(new GenerateRequest { PromptIds = prompts[1], MaxNewTokens = DrainTokens }))
            {
                if (++generated == 5) fifthToken.TrySetResult();
                summary = e.Summary ?? summary;
            }
            return summary!.GeneratedIds;
        });
        await fifthToken.Task;
        Assert.Equal(1, await client.DrainNodeAsync(holder)); // what `mixtral node --drain` asks
        Assert.Equal(long_, await inFlight);
        int exit = await cluster.Node(holder).WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"node {holder} exited with {exit}:\n{cluster.Node(holder).Output}");
        Assert.Equal(expected, await FailoverCluster.GenerateAsync(client, prompts[0], 24));
        Assert.Equal("coord", (await client.StatusAsync()).Coordinator!.NodeName);

        // The command line's form names a node that is not there: a usage error, and nothing is drained.
        var typo = await ProcessRunner.RunAsync("dotnet", [ClusterProcesses.MixtralDll, "node", "--drain", "--node-name", "nosuch", "--cluster", cluster.Gateways], timeout: TimeSpan.FromMinutes(1));
        Assert.True(typo.ExitCode == 2, typo.ToString());
        Assert.Contains("--node-name nosuch: no active node of that name", typo.StdErr);
    }

    private const int DrainTokens = 300;
}
