using System.Net;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// The operator's per-request limits (here 64 prompt characters, 16 max_tokens, 4096 body bytes): one over each is
/// refused before the cluster sees it, naming the field in the API's own error shape; at the limit it is served.
/// </summary>
[Collection(SecuredGatewayGroup.Name)]
public sealed class RequestLimitTests(SecuredGatewayFixture server)
{
    private static readonly string LongestPrompt = new('a', SecuredGatewayFixture.MaxPromptCharacters);

    [Fact]
    public async Task A_prompt_over_the_limit_is_refused_naming_its_field()
    {
        var (status, body) = await server.PostWithKeyAsync("/v1/completions", new JsonObject { ["prompt"] = LongestPrompt + "a", ["max_tokens"] = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("prompt: the prompt has 65 characters, over this server's limit of 64", (string?)body!["error"]!["message"]);
        Assert.Equal("prompt", (string?)body["error"]!["param"]);

        // Chat messages count together.
        var messages = new JsonArray(new JsonObject { ["role"] = "system", ["content"] = new string('s', 40) }, new JsonObject { ["role"] = "user", ["content"] = new string('u', 25) });
        (status, body) = await server.PostWithKeyAsync("/v1/chat/completions", new JsonObject { ["messages"] = messages, ["max_tokens"] = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("messages", (string?)body!["error"]!["param"]);

        (status, body) = await server.PostWithKeyAsync("/generate", new JsonObject { ["inputs"] = LongestPrompt + "a", ["parameters"] = new JsonObject { ["max_new_tokens"] = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("inputs: the prompt has 65 characters, over this server's limit of 64", (string?)body!["error"]);
        Assert.Equal("validation", (string?)body["error_type"]);

        (status, _) = await server.PostWithKeyAsync("/v1/completions", new JsonObject { ["prompt"] = LongestPrompt, ["max_tokens"] = 1 });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Max_tokens_over_the_limit_is_refused_naming_its_field()
    {
        var (status, body) = await server.PostWithKeyAsync("/v1/completions", new JsonObject { ["prompt"] = "Hi", ["max_tokens"] = 17 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("max_tokens (17) is over this server's limit of 16", (string?)body!["error"]!["message"]);

        (status, body) = await server.PostWithKeyAsync("/generate", new JsonObject { ["inputs"] = "Hi", ["parameters"] = new JsonObject { ["max_new_tokens"] = 17 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("parameters.max_new_tokens (17) is over this server's limit of 16", (string?)body!["error"]);

        (status, body) = await server.PostWithKeyAsync("/generate", new JsonObject { ["inputs"] = "Hi", ["parameters"] = new JsonObject { ["max_new_tokens"] = 16 } });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var padding = new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode)JsonValue.Create("stop"))]);
        var (status, body) = await server.PostWithKeyAsync("/v1/completions", new JsonObject { ["prompt"] = "Hi", ["stop"] = padding });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", (string?)body!["error"]!["code"]);
    }
}
