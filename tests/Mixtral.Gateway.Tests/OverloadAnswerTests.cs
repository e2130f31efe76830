using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Http;
using Mixtral.Gateway.OpenAi;
using Mixtral.Gateway.Tgi;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// What the cluster's refusals become on the wire: an overloaded coordinator is 429 with Retry-After (TGI: "Model is
/// overloaded", error_type "overloaded"); a failed generation 503 with Retry-After; a context overflow 422 with the numbers.
/// </summary>
public sealed class OverloadAnswerTests
{
    [Fact]
    public async Task An_overloaded_cluster_is_429_with_retry_after_in_both_shapes()
    {
        var problem = ApiProblem.From(new ClusterOverloadedException("admission queue full (256 waiting)", 2.5))!;
        var (status, retryAfter, tgi) = await WriteAsync(TgiErrors.Of(problem));
        Assert.Equal(429, status);
        Assert.Equal("3", retryAfter);
        Assert.Equal("Model is overloaded", (string?)tgi["error"]);
        Assert.Equal("overloaded", (string?)tgi["error_type"]);

        var (openAiStatus, openAiRetry, openAi) = await WriteAsync(OpenAiErrors.Of(problem));
        Assert.Equal(429, openAiStatus);
        Assert.Equal("3", openAiRetry);
        Assert.Equal("rate_limit_error", (string?)openAi["error"]!["type"]);
    }

    [Fact]
    public async Task A_generation_that_failed_on_the_cluster_is_503_with_retry_after()
    {
        var problem = ApiProblem.From(new GenerationFailedOnClusterException("expert L0.E3 unreachable; the request can be retried"))!;
        var (status, retryAfter, body) = await WriteAsync(OpenAiErrors.Of(problem));
        Assert.Equal(503, status);
        Assert.NotNull(retryAfter);
        Assert.Contains("can be retried", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_context_overflow_from_the_coordinator_is_422_naming_max_tokens_with_the_numbers()
    {
        var problem = ApiProblem.From(new InvalidGenerateRequestException("prompt (4000 tokens) + max_new_tokens (200) = 4200 exceeds the model's context of 4096 tokens", "max_tokens", 4096))!;
        var (status, _, body) = await WriteAsync(OpenAiErrors.Of(problem));
        Assert.Equal(422, status);
        Assert.Equal("max_tokens", (string?)body["error"]!["param"]);
        Assert.Equal("context_length_exceeded", (string?)body["error"]!["code"]);
        Assert.Contains("4096", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    private static async Task<(int Status, string? RetryAfter, JsonNode Body)> WriteAsync(ProblemResult result)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await result.ExecuteAsync(http);
        string? retryAfter = http.Response.Headers.RetryAfter.Count > 0 ? http.Response.Headers.RetryAfter.ToString() : null;
        return (http.Response.StatusCode, retryAfter, JsonNode.Parse(body.ToArray())!);
    }
}
