using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.Tgi;

/// <summary>
/// The Hugging Face TGI surface: POST /generate, POST /generate_stream, POST / (TGI's compatibility route: streams when
/// "stream" is true, as Hugging Face's clients call an endpoint URL), GET /info. GET /health is in <see cref="Ops.OpsApi"/>.
/// </summary>
public static class TgiApi
{
    public static IEndpointRouteBuilder MapTgiApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/generate", (HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics) =>
            GenerateAsync(http, client, catalog, options, metrics, stream: false));
        routes.MapPost("/generate_stream", (HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics) =>
            GenerateAsync(http, client, catalog, options, metrics, stream: true));
        routes.MapPost("/", (HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics) =>
            GenerateAsync(http, client, catalog, options, metrics, stream: null));
        routes.MapGet("/info", InfoAsync);
        return routes;
    }

    /// <param name="stream">Null: as the request's "stream" says (the compatibility route).</param>
    private static Task<IResult> GenerateAsync(HttpContext http, MixtralClusterClient client, ModelCatalog catalog, GatewayOptions options, GatewayMetrics metrics, bool? stream) =>
        Guarded.RunAsync(http, async () =>
        {
            var ct = http.RequestAborted;
            var body = await JsonBody.ReadAsync<TgiGenerateRequest>(http.Request, ct);
            var model = await catalog.GetAsync(ct);
            var request = RequestLimits.Check(TgiRequestMapper.ToRequest(body, model, options), options, "inputs", "parameters.max_new_tokens");
            string prefix = body.Parameters?.ReturnFullText == true ? body.Inputs! : "";
            bool details = body.Parameters?.Details == true;
            var generation = await Generation.OpenAsync(client, request, metrics, ct);
            if (stream ?? body.Stream == true)
                return new StreamingResult(generation, (sse, events, token) => StreamAsync(sse, events, prefix, token), TgiErrors.Of);
            await using (generation)
            {
                var tokens = new List<TgiToken>();
                var top = new List<IReadOnlyList<TgiToken>>();
                GenerationSummary? summary = null;
                await foreach (var e in generation.EventsAsync())
                {
                    summary = e.Summary;
                    if (e.TokenId < 0) continue;
                    tokens.Add(Token(e));
                    if (TopTokens(e) is { } alternatives) top.Add(alternatives);
                }
                var s = summary!;
                return TypedResults.Ok(new TgiGenerateResponse(prefix + s.Text, details ? Details(s, tokens) with { TopTokens = top.Count > 0 ? top : null } : null));
            }
        }, TgiErrors.Of);

    // TGI sends the final event's details whether or not they were asked for.
    private static async Task StreamAsync(ServerSentEvents sse, IAsyncEnumerable<TokenEvent> events, string prefix, CancellationToken ct)
    {
        int index = 0;
        await foreach (var e in events.WithCancellation(ct))
        {
            if (e.TokenId < 0 && e.Summary is null) continue;
            var token = e.TokenId >= 0 ? Token(e) : new TgiToken(-1, "", null, true);
            index++;
            await sse.WriteJsonAsync(e.Summary is { } s
                ? new TgiStreamEvent(index, token, prefix + s.Text, Details(s, null), TopTokens(e))
                : new TgiStreamEvent(index, token, null, null, TopTokens(e)), ct);
        }
    }

    private static Task<IResult> InfoAsync(HttpContext http, ModelCatalog catalog) =>
        Guarded.RunAsync(http, async () =>
        {
            var m = await catalog.GetAsync(http.RequestAborted);
            return TypedResults.Ok(new TgiInfo(m.ModelId, null, "text-generation", m.MaxBatchSequences + m.MaxQueuedRequests, m.MaxBatchSequences, 1, 16,
                m.ContextLength - 1, m.ContextLength, m.MaxPrefillTokens, 1, "mixtral-distributed", "0.1.0", m.Fingerprint, m.VocabSize));
        }, TgiErrors.Of);

    /// <summary>The end-of-sequence token is the one special token a generation yields; it brings no text. (TGI requests
    /// always carry log-probabilities, whose token says so itself.)</summary>
    private static TgiToken Token(TokenEvent e) =>
        new(e.TokenId, e.Text, e.Logprobs?.Chosen.Logprob, e.Logprobs?.Chosen.Special ?? (e.Summary is { FinishReason: "eos" } && e.Text.Length == 0));

    /// <summary>top_n_tokens' alternatives of this step (TGI's top_tokens), or null when none were asked for.</summary>
    private static IReadOnlyList<TgiToken>? TopTokens(TokenEvent e) =>
        e.Logprobs is { Top.Length: > 0 } p ? [.. p.Top.Select(t => new TgiToken(t.TokenId, t.Text, t.Logprob, t.Special))] : null;

    private static TgiDetails Details(GenerationSummary s, IReadOnlyList<TgiToken>? tokens) =>
        new(FinishReason(s.FinishReason), s.GeneratedIds.Length, s.Seed, tokens is null ? null : [], tokens);

    private static string FinishReason(string reason) => reason switch
    {
        "eos" => "eos_token",
        "stop" => "stop_sequence",
        _ => "length",
    };
}
