using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Requests no route takes get a JSON error in the path's API shape that names the request (routing alone answers them
/// with an empty body), and the routes that exist keep their own answers.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed class UnmatchedRequestTests(GatewayFixture server)
{
    [Fact]
    public async Task An_unknown_v1_path_is_an_openai_404_naming_it()
    {
        using var response = await server.Http.PostAsync(new Uri("/v1/embeddings", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        var error = await ErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("no route POST /v1/embeddings", (string?)error["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", (string?)error["error"]!["type"]);
    }

    [Fact]
    public async Task An_unknown_path_elsewhere_is_a_tgi_404_naming_it_and_the_routes()
    {
        using var response = await server.Http.PostAsync(new Uri("/tokenize", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        var error = await ErrorAsync(response, HttpStatusCode.NotFound);
        string message = (string?)error["error"] ?? "";
        Assert.Contains("no route POST /tokenize", message, StringComparison.Ordinal);
        Assert.Contains("POST /generate_stream", message, StringComparison.Ordinal);
        Assert.Equal("not_found", (string?)error["error_type"]);
    }

    [Fact]
    public async Task A_known_path_with_the_wrong_method_is_a_405_naming_the_allowed_one()
    {
        using var response = await server.Http.GetAsync(new Uri("/generate", UriKind.Relative));
        var error = await ErrorAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("use POST", (string?)error["error"], StringComparison.Ordinal);
        Assert.Equal("POST", string.Join(",", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_refusal_with_its_own_body_keeps_it()
    {
        using var response = await server.Http.GetAsync(new Uri("/v1/models/gpt-4", UriKind.Relative));
        var error = await ErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", (string?)error["error"]!["code"]);
        Assert.Equal("model", (string?)error["error"]!["param"]);
    }

    private static async Task<JsonNode> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!;
    }
}
