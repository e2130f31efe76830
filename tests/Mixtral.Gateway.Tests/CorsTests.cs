using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Browsers on another origin (a chat page on https://chat.example.com calling the API): `--cors-allow-origin` lets
/// exactly the origins it names in. The exchange is checked as a browser makes it: a preflight with no API key, then
/// the request with the key; the answers' CORS headers are what the browser enforces.
/// </summary>
[Collection(SecuredGatewayGroup.Name)]
public sealed class CorsTests(SecuredGatewayFixture server)
{
    private const string Chat = "/v1/chat/completions";

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(Chat, UriKind.Relative));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    [Fact]
    public async Task The_allowed_origin_passes_the_preflight_without_a_key_and_reads_the_answer()
    {
        using (var preflight = await server.Http.SendAsync(Preflight(SecuredGatewayFixture.AllowedOrigin)))
        {
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal(SecuredGatewayFixture.AllowedOrigin, Single(preflight, "Access-Control-Allow-Origin"));
            Assert.Contains("POST", Single(preflight, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
            var headers = Single(preflight, "Access-Control-Allow-Headers").ToLowerInvariant();
            Assert.Contains("authorization", headers, StringComparison.Ordinal);
            Assert.Contains("content-type", headers, StringComparison.Ordinal);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Chat, UriKind.Relative))
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", SecuredGatewayFixture.AllowedOrigin);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredGatewayFixture.Key);
        using var answer = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(SecuredGatewayFixture.AllowedOrigin, Single(answer, "Access-Control-Allow-Origin"));
        Assert.Contains("Retry-After", Single(answer, "Access-Control-Expose-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Another_origin_gets_no_permission_and_the_key_is_still_required()
    {
        using (var preflight = await server.Http.SendAsync(Preflight("https://evil.example")))
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"), preflight.ToString());

        // CORS is the browser's check, not authentication: the allowed origin without a key is still refused.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Chat, UriKind.Relative))
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", SecuredGatewayFixture.AllowedOrigin);
        using var answer = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"no {header} in {response}");
}
