namespace Mixtral.Gateway.Tests;

/// <summary>GET /health on a healthy cluster: 200 (a real one-token step went through).</summary>
[Collection(GatewayServerGroup.Name)]
public sealed class HealthTests(GatewayFixture server)
{
    [Fact]
    public async Task Health_is_200_on_a_healthy_cluster()
    {
        using var response = await server.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Models_and_info_describe_the_served_model()
    {
        var models = System.Text.Json.Nodes.JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/v1/models", UriKind.Relative)))!;
        Assert.Equal(server.ModelId, (string?)models["data"]![0]!["id"]);
        var info = System.Text.Json.Nodes.JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/info", UriKind.Relative)))!;
        Assert.Equal(server.ModelId, (string?)info["model_id"]);
        Assert.Equal(4096, (int)info["max_total_tokens"]!); // the fixture's config.json: max_position_embeddings
    }
}
