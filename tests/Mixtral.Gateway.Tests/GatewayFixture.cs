using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Client;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Processes;
using Mixtral.Engine;
using Mixtral.Gateway;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Testing;
using Orleans;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// What `mixtral serve` runs, in this process: the embedded single-node cluster over the tiny fixture model and the HTTP
/// API on a free loopback port. Also the single-process engine over the same folder, the reference for greedy tokens.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private IHost? _node;
    private MixtralClusterClient? _client;
    private WebApplication? _api;
    private ModelEngine? _reference;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The running API's services (its logging configuration, say).</summary>
    public IServiceProvider ApiServices => _api!.Services;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public string ModelId { get; } = "tiny-mixtral";

    public async Task InitializeAsync()
    {
        var options = new NodeOptions
        {
            ModelPath = FixturePaths.TinyMixtral,
            NodeName = "local",
            SiloPort = FreePort.Next(),
            GatewayPort = FreePort.Next(),
        };
        _node = await NodeHost.StartAsync(options, LogLevel.Warning, CancellationToken.None);
        _client = MixtralClusterClient.Over(_node.Services.GetRequiredService<IClusterClient>());
        _api = await GatewayServer.StartAsync(new GatewayOptions { Port = 0 }, _client, CancellationToken.None);
        BaseAddress = GatewayServer.BaseAddress(_api);
        Http.BaseAddress = BaseAddress;
        _reference = EngineFactory.Load(Mixtral.Engine.ModelFolder.Open(FixturePaths.TinyMixtral), new ModelOptions(), new EngineOptions());
    }

    /// <summary>The single-process engine's greedy continuation of <paramref name="promptIds"/>: ids and text.</summary>
    public async Task<GenerationResult> ReferenceAsync(IReadOnlyList<int> promptIds, int maxNewTokens)
    {
        var request = new GenerationRequest(promptIds, SamplingParams.Greedy with { MaxNewTokens = maxNewTokens });
        return await _reference!.Engine.GenerateToEndAsync(request);
    }

    /// <summary>The single-process engine's greedy tokens with their log-probabilities and <paramref name="top"/> alternatives each.</summary>
    public async Task<List<TokenGenerated>> ReferenceTokensAsync(IReadOnlyList<int> promptIds, int maxNewTokens, int top)
    {
        var request = new GenerationRequest(promptIds, SamplingParams.Greedy with { MaxNewTokens = maxNewTokens, TopLogprobs = top });
        var tokens = new List<TokenGenerated>();
        await foreach (var e in _reference!.Engine.GenerateAsync(request))
            if (e is TokenGenerated t) tokens.Add(t);
        return tokens;
    }

    public Mixtral.Tokenization.MixtralTokenizer Tokenizer => _reference!.Folder.Tokenizer;

    /// <summary>The sum of a Prometheus metric's samples over all label sets, or null when /metrics does not have it.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        string text = await Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double? sum = null;
        foreach (string line in text.Split('\n'))
            if (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
                sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return sum;
    }

    public async Task<JsonNode> PostJsonAsync(string path, JsonNode body)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_api is not null) await _api.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
        if (_node is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _node.StopAsync(stop.Token);
            _node.Dispose();
        }
        if (_reference is not null) await _reference.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayServerGroup : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
