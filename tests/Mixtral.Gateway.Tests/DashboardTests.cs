using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// GET /dashboard loaded in a real browser (Debian's headless Chromium, which runs the page's script and dumps the DOM it
/// built): the heatmap and the node table show the numbers GET /v1/cluster/stats reports for the cluster's current counts.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed partial class DashboardTests(GatewayFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task The_dashboard_in_headless_chromium_shows_the_current_expert_loads_node_loads_and_latencies()
    {
        // Some traffic, so every number on the page is a real count.
        await server.PostJsonAsync("/generate", new JsonObject { ["inputs"] = "The capital of France is", ["parameters"] = new JsonObject { ["max_new_tokens"] = 8 } });
        var stats = await SettledStatsAsync();
        int layers = (int)stats["layers"]!, experts = (int)stats["experts"]!;
        long tokens = (long)stats["tokens"]!;
        Assert.True(tokens > 0, "no routing was counted");
        // Every token picks num_experts_per_tok = 2 experts at every layer (the fixture's config.json).
        for (int l = 0; l < layers; l++)
            Assert.Equal(2 * tokens, stats["expert_tokens"]![l]!.AsArray().Sum(x => (long)x!));

        string dom = await DumpDomAsync(new Uri(server.BaseAddress, "/dashboard"));
        Assert.Equal(stats.ToJsonString(), (await StatsAsync()).ToJsonString()); // nothing moved while the browser read the page
        output.WriteLine($"{dom.Length} characters of DOM; {tokens} tokens over {layers}×{experts} experts");

        var cells = CellPattern().Matches(dom).ToDictionary(
            m => (int.Parse(m.Groups["l"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["e"].Value, CultureInfo.InvariantCulture)),
            m => (Attribute: m.Groups["v"].Value, Text: m.Groups["t"].Value));
        Assert.Equal(layers * experts, cells.Count);
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < experts; e++)
            {
                string expected = ((long)stats["expert_tokens"]![l]![e]!).ToString(CultureInfo.InvariantCulture);
                Assert.Equal((expected, expected), cells[(l, e)]);
            }
        Assert.Contains($"<span id=\"tokens\">{tokens}</span>", dom, StringComparison.Ordinal);

        var nodes = stats["nodes"]!.AsArray();
        Assert.NotEmpty(nodes);
        foreach (var node in nodes)
        {
            string name = (string)node!["name"]!;
            var row = Regex.Match(dom, $"<tr class=\"node\" data-node=\"{Regex.Escape(name)}\">(.*?)</tr>");
            Assert.True(row.Success, $"no row for node {name} in the page");
            Assert.True((long)node["calls"]! > 0, $"node {name} shows no expert calls");
            Assert.Contains($"<td class=\"load\">{Fixed((double)node["expert_tokens"]!, 0)}</td>", row.Value, StringComparison.Ordinal);
            Assert.Contains($"<td class=\"calls\">{(long)node["calls"]!}</td>", row.Value, StringComparison.Ordinal);
            Assert.Contains($"<td class=\"mean\">{Fixed((double)node["latency_mean_ms"]!, 2)}</td>", row.Value, StringComparison.Ordinal);
            Assert.Contains($"<td class=\"p99\">{Fixed((double)node["latency_p99_ms"]!, 2)}</td>", row.Value, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("<g class=\"cell\" data-layer=\"(?<l>\\d+)\" data-expert=\"(?<e>\\d+)\" data-tokens=\"(?<v>\\d+)\"><rect[^>]*></rect><text[^>]*>(?<t>\\d+)</text></g>")]
    private static partial Regex CellPattern();

    private static string Fixed(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private async Task<JsonNode> StatsAsync() => JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/v1/cluster/stats", UriKind.Relative)))!;

    /// <summary>The statistics once the routing stream has delivered every step (two reads 300 ms apart agree).</summary>
    private async Task<JsonNode> SettledStatsAsync()
    {
        var clock = Stopwatch.StartNew();
        var last = await StatsAsync();
        while (true)
        {
            await Task.Delay(300);
            var now = await StatsAsync();
            if (now.ToJsonString() == last.ToJsonString() && (long)now["tokens"]! > 0) return now;
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the routing statistics did not settle within 30 s");
            last = now;
        }
    }

    /// <summary>The DOM after the page's script ran (virtual time lets its first poll finish), as headless Chromium prints it.</summary>
    private static async Task<string> DumpDomAsync(Uri page)
    {
        const string browser = "chromium";
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the page is our own, on loopback.
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                     $"--user-data-dir={Path.Combine(Path.GetTempPath(), "mixtral-dashboard-" + Guid.NewGuid().ToString("N"))}",
                     "--virtual-time-budget=5000", "--dump-dom", page.ToString() })
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException($"{browser} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{browser} is not installed: scripts/setup.sh installs Debian's chromium package ({e.Message})", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{browser} did not dump {page} within 90 s: {await stderr}");
            }
            string dom = await stdout;
            Assert.True(process.ExitCode == 0 && dom.Contains("</html>", StringComparison.Ordinal),
                $"{browser} exited {process.ExitCode} without a page: {await stderr}");
            return dom;
        }
    }
}
