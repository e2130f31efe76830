using System.Text.Json;
using Mixtral.Model.Generation;

namespace Mixtral.Cli.Terminal;

/// <summary>
/// How a generation is shown, the same whichever engine produced it (single-process, cluster, embedded
/// cluster): text streamed to stdout with a summary line on stderr, or one JSON object with --json.
/// </summary>
internal static class GenerationOutput
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<GenerationResult> RenderAsync(IAsyncEnumerable<GenerationEvent> events, bool json)
    {
        await foreach (var e in events)
        {
            switch (e)
            {
                case TokenGenerated token when !json && token.Text.Length > 0:
                    Console.Out.Write(token.Text);
                    Console.Out.Flush();
                    break;
                case GenerationFinished finished:
                    var r = finished.Result;
                    if (json)
                    {
                        Console.Out.WriteLine(ToJson(r));
                    }
                    else
                    {
                        Console.Out.WriteLine();
                        Console.Error.WriteLine(
                            $"[{r.FinishReason.ToString().ToLowerInvariant()}] {r.PromptTokens} prompt tokens, {r.GeneratedTokens} generated, " +
                            $"first token after {r.TimeToFirstToken.TotalMilliseconds:F0} ms, {r.DecodeTokensPerSecond:F1} tokens/s decode, seed {r.Seed}");
                    }
                    return r;
            }
        }
        throw new InvalidOperationException("generation ended without a result");
    }

    public static string ToJson(GenerationResult r) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["ids"] = r.GeneratedIds,
        ["text"] = r.Text,
        ["finish_reason"] = r.FinishReason.ToString().ToLowerInvariant(),
        ["prompt_tokens"] = r.PromptTokens,
        ["generated_tokens"] = r.GeneratedTokens,
        ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 3),
        ["decode_tokens_per_second"] = Math.Round(r.DecodeTokensPerSecond, 3),
        ["time_to_first_token_ms"] = Math.Round(r.TimeToFirstToken.TotalMilliseconds, 3),
        ["seed"] = r.Seed,
    }, Relaxed);
}
