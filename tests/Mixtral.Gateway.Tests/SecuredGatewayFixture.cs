using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Client;
using Mixtral.Client.Security;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Processes;
using Mixtral.Gateway.Http;
using Mixtral.Testing;
using Orleans;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// The HTTP API as an operator should expose it: HTTPS with a certificate from a test authority, an API key, and
/// tight request limits (over the embedded one-node cluster and the tiny fixture model, on loopback). <see cref="Http"/> trusts that
/// authority and sends no key; each test adds the header it needs.
/// </summary>
public sealed class SecuredGatewayFixture : IAsyncLifetime
{
    public const string Key = "test-key-0123456789abcdef";
    public const int MaxPromptCharacters = 64, MaxTokens = 16, MaxRequestBytes = 4096;

    private IHost? _node;
    private MixtralClusterClient? _client;
    private WebApplication? _api;

    public TestCertificates Authority { get; } = new("gateway");
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _node = await NodeHost.StartAsync(new NodeOptions
        {
            ModelPath = FixturePaths.TinyMixtral,
            NodeName = "local",
            SiloPort = FreePort.Next(),
            GatewayPort = FreePort.Next(),
        }, LogLevel.Warning, CancellationToken.None);
        _client = MixtralClusterClient.Over(_node.Services.GetRequiredService<IClusterClient>());
        var server = Authority.Issue("localhost");
        _api = await GatewayServer.StartAsync(new GatewayOptions
        {
            Port = 0,
            ApiKeys = ApiKeys.From([(Key, "test")]),
            MaxPromptCharacters = MaxPromptCharacters,
            MaxTokensLimit = MaxTokens,
            MaxRequestBodyBytes = MaxRequestBytes,
            Certificate = ClusterCertificates.LoadLocal(server.CertificatePath, server.KeyPath),
        }, _client, CancellationToken.None);
        BaseAddress = GatewayServer.BaseAddress(_api);
        Http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = TrustsAuthority })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>The server's certificate must chain to the test authority (and name the host): no "accept anything".</summary>
    private bool TrustsAuthority(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(Authority.Authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(certificate);
    }

    /// <summary>POSTs <paramref name="body"/> with the key; the status and the parsed answer.</summary>
    public async Task<(System.Net.HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)> PostWithKeyAsync(string path, System.Text.Json.Nodes.JsonNode body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : System.Text.Json.Nodes.JsonNode.Parse(text));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_api is not null) await _api.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
        if (_node is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _node.StopAsync(stop.Token);
            _node.Dispose();
        }
        Authority.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredGatewayGroup : ICollectionFixture<SecuredGatewayFixture>
{
    public const string Name = "secured gateway";
}
