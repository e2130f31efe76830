using System.CommandLine;
using System.Text.Json;
using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;
using Mixtral.Serving;
using Mixtral.Tokenization;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral generate`: one prompt, streamed to stdout, or one JSON object with --json.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var dtype = CommonOptions.DType();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (BOS is added)" };
        var chat = new Option<bool>("--chat") { Description = "Wrap --prompt as one user turn of the model's chat template" };
        var ids = new Option<string?>("--ids") { Description = "Prompt as token ids, e.g. 1,415,2936 (used as given)" };
        var sampling = new SamplingOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object at the end instead of streaming text" };

        var command = new Command("generate", "Generate a continuation of a prompt") { model, dtype, device, threads, prompt, chat, ids, json };
        sampling.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = CommonOptions.ComputeOptions(result, dtype, device, threads);
            var parameters = sampling.Read(result);
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            var promptIds = PromptIds(folder, result.GetValue(prompt), result.GetValue(chat), result.GetValue(ids));
            await using var engine = CommonOptions.LoadEngine(folder, options);
            var output = await RunAsync(engine.Engine, new GenerationRequest(promptIds, parameters), stream: !result.GetValue(json), cancellationToken);
            if (result.GetValue(json)) Console.Out.WriteLine(ToJson(output));
            return 0;
        });
        return command;
    }

    internal static IReadOnlyList<int> PromptIds(ModelFolder folder, string? prompt, bool chat, string? ids)
    {
        if ((prompt is null) == (ids is null))
            throw new CliUsageException("give exactly one of --prompt TEXT or --ids 1,2,3");
        if (ids is not null)
        {
            if (chat) throw new CliUsageException("--chat applies to --prompt, not to --ids");
            return CommonOptions.ParseIds(ids, "--ids");
        }
        return chat
            ? folder.Tokenizer.EncodeChat([new ChatMessage("user", prompt!)])
            : folder.Tokenizer.Encode(prompt!, addBos: true);
    }

    private static async Task<GenerationResult> RunAsync(InferenceEngine engine, GenerationRequest request, bool stream, CancellationToken cancellationToken)
    {
        await foreach (var e in engine.GenerateAsync(request, cancellationToken))
        {
            switch (e)
            {
                case TokenGenerated token when stream && token.Text.Length > 0:
                    Console.Out.Write(token.Text);
                    Console.Out.Flush();
                    break;
                case GenerationFinished finished:
                    if (stream)
                    {
                        Console.Out.WriteLine();
                        var r = finished.Result;
                        Console.Error.WriteLine(
                            $"[{r.FinishReason.ToString().ToLowerInvariant()}] {r.PromptTokens} prompt tokens, {r.GeneratedTokens} generated, " +
                            $"first token after {r.TimeToFirstToken.TotalMilliseconds:F0} ms, {r.DecodeTokensPerSecond:F1} tokens/s decode, seed {r.Seed}");
                    }
                    return finished.Result;
            }
        }
        throw new InvalidOperationException("generation ended without a result");
    }

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static string ToJson(GenerationResult r) => JsonSerializer.Serialize(new Dictionary<string, object>
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
