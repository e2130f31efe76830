using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mixtral.Cluster.Processes;
using Mixtral.Testing;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// The HTTP API as an operator should expose it: `mixtral serve` (its own process, so its engine's instruments do not
/// mix with the shared server's /metrics) over the tiny fixture model on loopback, started with the real flags:
/// HTTPS with a certificate from a test authority (--tls-certificate, --tls-key), an API key (--api-key-file), tight
/// request limits, and one origin allowed to call it from a browser (--cors-allow-origin). <see cref="Http"/> trusts that authority and sends no key; each test adds the header it needs.
/// </summary>
public sealed class SecuredGatewayFixture : IAsyncLifetime
{
    public const string Key = "test-key-0123456789abcdef";
    public const int MaxPromptCharacters = 64, MaxTokens = 16, MaxRequestBytes = 4096;
    public const string AllowedOrigin = "https://chat.example.com";

    private NodeProcess? _serve;

    public TestCertificates Authority { get; } = new("gateway");
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var server = Authority.Issue("localhost");
        string keys = Path.Combine(Authority.Folder, "keys.txt");
        await File.WriteAllTextAsync(keys, $"# API keys of the test server\n\n{Key}\n");
        int port = FreePort.Next();
        _serve = NodeProcess.Start("serve", Path.Combine(AppContext.BaseDirectory, "mixtral.dll"),
        [
            "serve", "--model", FixturePaths.TinyMixtral, "--port", Port(port), "--silo-port", Port(FreePort.Next()), "--gateway-port", Port(FreePort.Next()),
            "--tls-certificate", server.CertificatePath, "--tls-key", server.KeyPath, "--api-key-file", keys,
            "--max-prompt-chars", Port(MaxPromptCharacters), "--max-tokens-limit", Port(MaxTokens), "--max-request-bytes", Port(MaxRequestBytes),
            "--cors-allow-origin", AllowedOrigin,
        ]);
        await _serve.WaitForLineAsync($"HTTP API on https://127.0.0.1:{port}/", TimeSpan.FromMinutes(3));
        BaseAddress = new Uri($"https://127.0.0.1:{port}/");
        Http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = TrustsAuthority })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    private static string Port(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
        if (_serve is not null) await _serve.DisposeAsync();
        Authority.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredGatewayGroup : ICollectionFixture<SecuredGatewayFixture>
{
    public const string Name = "secured gateway";
}
