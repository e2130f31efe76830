using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mixtral.Gateway.Http;
using Mixtral.Testing;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// The HTTP API behind HTTPS and an API key: no key or a wrong one is 401 in the error shape of the API called (with
/// WWW-Authenticate), /metrics included; /health stays open for load balancers; the right key is served over TLS with
/// the single process's tokens, also to the official OpenAI client; and the API refuses to listen beyond loopback
/// without keys.
/// </summary>
[Collection(SecuredGatewayGroup.Name)]
public sealed class ApiKeyAndHttpsTests(SecuredGatewayFixture server)
{
    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private static JsonObject Chat() => new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
        ["max_tokens"] = 4,
    };

    [Theory]
    [InlineData(null, "no API key")]
    [InlineData("wrong-key-0123456789abcdef", "the API key is not valid")]
    [InlineData(SecuredGatewayFixture.Key + "x", "the API key is not valid")] // a longer key with the right start
    public async Task OpenAi_routes_answer_401_in_openai_shape_without_the_right_key(string? key, string message)
    {
        foreach (var request in new[] { Request(HttpMethod.Post, "/v1/chat/completions", key, Chat()), Request(HttpMethod.Get, "/v1/models", key) })
        {
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
            Assert.StartsWith(message, (string?)error["message"]);
            Assert.Equal("invalid_request_error", (string?)error["type"]);
            Assert.Equal("invalid_api_key", (string?)error["code"]);
        }
    }

    [Theory]
    [InlineData("/generate")]
    [InlineData("/metrics")]
    [InlineData("/info")]
    public async Task Tgi_and_ops_routes_answer_401_in_tgi_shape_without_the_right_key(string path)
    {
        var body = path == "/generate" ? new JsonObject { ["inputs"] = "Hi", ["parameters"] = new JsonObject { ["max_new_tokens"] = 2 } } : null;
        using var response = await server.Http.SendAsync(Request(body is null ? HttpMethod.Get : HttpMethod.Post, path, "Basic-is-not-bearer-0123456789", body));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("authentication", (string?)error["error_type"]);
        Assert.Equal("the API key is not valid", (string?)error["error"]);
    }

    [Fact]
    public async Task Health_is_open_without_a_key()
    {
        using var response = await server.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_page_opens_without_a_key_but_its_data_needs_one()
    {
        using var page = await server.Http.GetAsync(new Uri("/dashboard", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Authorization", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the page sends the key it asks for
        using var without = await server.Http.GetAsync(new Uri("/v1/cluster/stats", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        using var with = await server.Http.SendAsync(Request(HttpMethod.Get, "/v1/cluster/stats", SecuredGatewayFixture.Key, null));
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task With_the_key_a_request_is_served_over_https_with_the_single_process_tokens()
    {
        Assert.Equal("https", server.BaseAddress.Scheme); // as `mixtral serve` printed it
        var body = new JsonObject { ["inputs"] = "The capital of France is", ["parameters"] = new JsonObject { ["max_new_tokens"] = 8, ["details"] = true } };
        using var response = await server.Http.SendAsync(Request(HttpMethod.Post, "/generate", SecuredGatewayFixture.Key, body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal(await ReferenceAsync("The capital of France is", 8), (string?)JsonNode.Parse(text)!["generated_text"]);

        using var metrics = await server.Http.SendAsync(Request(HttpMethod.Get, "/metrics", SecuredGatewayFixture.Key));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_certificate_cannot_connect()
    {
        using var untrusting = new HttpClient { BaseAddress = server.BaseAddress };
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri("/health", UriKind.Relative)));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task The_official_openai_client_is_served_with_its_api_key_and_refused_without_it()
    {
        var environment = new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = server.Authority.AuthorityPath };
        JsonObject Input(string key) => new()
        {
            ["kind"] = "openai-completion",
            ["baseUrl"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["model"] = "tiny-mixtral",
            ["prompt"] = "The capital of France is",
            ["maxTokens"] = 6,
            ["apiKey"] = key,
            ["reportErrors"] = true,
        };
        var refused = await NpmClients.CallAsync(Input("wrong-key-0123456789abcdef"), environment);
        Assert.Equal(401, (int)refused["status"]!);
        Assert.Equal("AuthenticationError", (string?)refused["error"]);
        Assert.Equal("invalid_api_key", (string?)refused["code"]);

        var served = await NpmClients.CallAsync(Input(SecuredGatewayFixture.Key), environment);
        Assert.Equal(await ReferenceAsync("The capital of France is", 6), (string?)served["text"]);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.1.10")]
    public void Listening_beyond_loopback_without_api_keys_is_refused(string host)
    {
        var error = Assert.Throws<ArgumentException>(() => new GatewayOptions { Host = host }.Validate());
        Assert.StartsWith($"--host {host} opens the HTTP API to other machines: give API keys", error.Message);
        new GatewayOptions { Host = host, ApiKeys = ApiKeys.From([(SecuredGatewayFixture.Key, "test")]) }.Validate();
        new GatewayOptions { Host = "127.0.0.1" }.Validate();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in it 0123456789")]
    public void A_weak_key_is_refused_without_quoting_it(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => ApiKeys.From([(key, "--api-key-file keys.txt line 3")]));
        Assert.StartsWith("--api-key-file keys.txt line 3: an API key must be at least 16 characters", error.Message);
        Assert.DoesNotContain(key, error.Message);
    }

    /// <summary>
    /// The single-process engine's greedy text, from `mixtral generate` in its own process: an engine in this process
    /// would add its tokens to the shared server's /metrics, which other tests read.
    /// </summary>
    private static async Task<string> ReferenceAsync(string prompt, int tokens)
    {
        var run = await Mixtral.Cluster.Processes.ProcessRunner.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "mixtral.dll"), "generate", "--model", FixturePaths.TinyMixtral, "--prompt", prompt,
             "--max-new-tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"],
            timeout: TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        return (string)JsonNode.Parse(run.StdOut)!["text"]!;
    }
}
