using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.OpenAi;

/// <summary>The OpenAI surface: POST /v1/chat/completions, POST /v1/completions, GET /v1/models.</summary>
public static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/chat/completions", ChatAsync);
        routes.MapPost("/v1/completions", CompletionAsync);
        routes.MapGet("/v1/models", ModelsAsync);
        routes.MapGet("/v1/models/{**id}", ModelAsync); // ** : a model id may hold a slash (organisation/name)
        return routes;
    }

    private static Task<IResult> ChatAsync(HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics) =>
        Guarded.RunAsync(http, async () =>
        {
            var ct = http.RequestAborted;
            var body = await JsonBody.ReadAsync<ChatCompletionRequest>(http.Request, ct);
            var model = await catalog.GetAsync(ct);
            var request = RequestLimits.Check(OpenAiRequestMapper.Chat(body, model, options), options, "messages", body.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens");
            var generation = await Generation.OpenAsync(client, request, metrics, ct);
            string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            bool logprobs = request.TopLogprobs is not null;
            if (body.Stream == true)
                return new StreamingResult(generation, (sse, events, token) => StreamChatAsync(sse, events, id, created, model.ModelId, body.StreamOptions?.IncludeUsage == true, logprobs, token), OpenAiErrors.Of);
            await using (generation)
            {
                var (s, tokens, _) = await generation.ReadToEndAsync();
                return TypedResults.Ok(new ChatCompletion(id, "chat.completion", created, model.ModelId,
                    [new ChatChoice(0, new AssistantMessage("assistant", s.Text), FinishReason(s),
                        logprobs ? new ChatLogprobs([.. tokens.Select(OpenAiLogprobs.Chat)]) : null)], Usage(s)));
            }
        }, OpenAiErrors.Of);

    private static async Task StreamChatAsync(ServerSentEvents sse, IAsyncEnumerable<TokenEvent> events, string id, long created, string model, bool includeUsage, bool logprobs, CancellationToken ct)
    {
        ChatCompletionChunk Chunk(ChunkDelta delta, string? finish, ChatLogprobs? lp = null) => new(id, "chat.completion.chunk", created, model, [new ChunkChoice(0, delta, finish, lp)]);
        await sse.WriteJsonAsync(Chunk(new ChunkDelta(Role: "assistant", Content: ""), null), ct);
        await foreach (var e in events.WithCancellation(ct))
        {
            // With logprobs every token gets its chunk, even one whose text is held back (half a character, a possible stop).
            if (logprobs && e.Logprobs is { } p) await sse.WriteJsonAsync(Chunk(new ChunkDelta(Content: e.Text), null, new ChatLogprobs([OpenAiLogprobs.Chat(p)])), ct);
            else if (e.Text.Length > 0) await sse.WriteJsonAsync(Chunk(new ChunkDelta(Content: e.Text), null), ct);
            if (e.Summary is { } s)
            {
                await sse.WriteJsonAsync(Chunk(new ChunkDelta(), FinishReason(s)), ct);
                if (includeUsage) await sse.WriteJsonAsync(new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [], Usage(s)), ct);
            }
        }
        await sse.WriteDataAsync("[DONE]", ct);
    }

    private static Task<IResult> CompletionAsync(HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics) =>
        Guarded.RunAsync(http, async () =>
        {
            var ct = http.RequestAborted;
            var body = await JsonBody.ReadAsync<CompletionRequest>(http.Request, ct);
            var model = await catalog.GetAsync(ct);
            var request = RequestLimits.Check(OpenAiRequestMapper.Completion(body, model, options), options, "prompt", "max_tokens");
            var generation = await Generation.OpenAsync(client, request, metrics, ct);
            string id = "cmpl-" + Guid.NewGuid().ToString("N");
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            bool logprobs = request.TopLogprobs is not null;
            if (body.Stream == true)
                return new StreamingResult(generation, (sse, events, token) => StreamCompletionAsync(sse, events, id, created, model.ModelId, body.StreamOptions?.IncludeUsage == true, logprobs, token), OpenAiErrors.Of);
            await using (generation)
            {
                var (s, tokens, offsets) = await generation.ReadToEndAsync();
                return TypedResults.Ok(new Completion(id, "text_completion", created, model.ModelId,
                    [new CompletionChoice(0, s.Text, FinishReason(s), logprobs ? OpenAiLogprobs.Completion(tokens, offsets) : null)], Usage(s)));
            }
        }, OpenAiErrors.Of);

    private static async Task StreamCompletionAsync(ServerSentEvents sse, IAsyncEnumerable<TokenEvent> events, string id, long created, string model, bool includeUsage, bool logprobs, CancellationToken ct)
    {
        int offset = 0; // characters of completion text streamed so far: the next token's text_offset
        await foreach (var e in events.WithCancellation(ct))
        {
            string? finish = e.Summary is { } s ? FinishReason(s) : null;
            var lp = logprobs && e.Logprobs is { } p ? OpenAiLogprobs.Completion([p], [offset]) : null;
            offset += e.Text.Length;
            if (e.Text.Length > 0 || finish is not null || lp is not null)
                await sse.WriteJsonAsync(new Completion(id, "text_completion", created, model, [new CompletionChoice(0, e.Text, finish, lp)], null), ct);
            if (e.Summary is { } last && includeUsage)
                await sse.WriteJsonAsync(new Completion(id, "text_completion", created, model, [], Usage(last)), ct);
        }
        await sse.WriteDataAsync("[DONE]", ct);
    }

    private static Task<IResult> ModelsAsync(HttpContext http, ModelCatalog catalog) =>
        Guarded.RunAsync(http, async () =>
        {
            var model = await catalog.GetAsync(http.RequestAborted);
            return TypedResults.Ok(new ModelList("list", [Card(model)]));
        }, OpenAiErrors.Of);

    /// <summary>GET /v1/models/{id} (the SDKs' models.retrieve): the served model's card, or OpenAI's 404 for any other id.</summary>
    private static Task<IResult> ModelAsync(HttpContext http, ModelCatalog catalog, string id) =>
        Guarded.RunAsync(http, async () =>
        {
            var model = await catalog.GetAsync(http.RequestAborted);
            OpenAiRequestMapper.CheckModel(id, model);
            return TypedResults.Ok(Card(model));
        }, OpenAiErrors.Of);

    private static ModelCard Card(ModelInfo model) => new(model.ModelId, "model", 0, "mixtral-distributed", model.ContextLength);

    /// <summary>OpenAI has two reasons: the end of sequence and a stop string are both "stop".</summary>
    private static string FinishReason(GenerationSummary s) => s.FinishReason == "length" ? "length" : "stop";

    private static Usage Usage(GenerationSummary s) => new(s.PromptTokens, s.GeneratedIds.Length, s.PromptTokens + s.GeneratedIds.Length);
}
