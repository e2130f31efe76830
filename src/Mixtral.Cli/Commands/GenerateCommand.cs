using System.CommandLine;
using Mixtral.Cli.Terminal;
using Mixtral.Client;
using Mixtral.Model.Generation;
using Mixtral.Engine;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral generate`: one prompt, streamed to stdout, or one JSON object with --json; in this process or through a cluster.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var compute = new ComputeFlags();
        var engineFlags = new EngineFlags();
        var cluster = CommonOptions.Cluster();
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (BOS is added)" };
        var chat = new Option<bool>("--chat") { Description = "Wrap --prompt as one user turn of the model's chat template" };
        var ids = new Option<string?>("--ids") { Description = "Prompt as token ids, e.g. 1,415,2936 (used as given)" };
        var sampling = new SamplingOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object at the end instead of streaming text" };

        var command = new Command("generate", "Generate a continuation of a prompt") { model, cluster, prompt, chat, ids, json };
        compute.AddTo(command);
        engineFlags.AddTo(command);
        sampling.AddTo(command);
        var connection = new ClusterConnectionFlags();
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var parameters = sampling.Read(result);
            string? promptText = result.GetValue(prompt), idsText = result.GetValue(ids);
            bool useChat = result.GetValue(chat);
            CheckPromptFlags(promptText, useChat, idsText);
            if (result.GetValue(cluster) is string gateway)
            {
                if (result.GetValue(model) is not null) throw new CliUsageException("--model and --cluster exclude each other: the cluster serves its own model");
                int[]? promptIds = idsText is null ? null : CommonOptions.ParseIds(idsText, "--ids");
                await using var client = await MixtralClusterClient.ConnectAsync(connection.Read(result, gateway), cancellationToken);
                var wire = ClusterGeneration.Command(promptText, useChat, promptIds, parameters);
                await GenerationOutput.RenderAsync(ClusterGeneration.EventsAsync(client, wire, cancellationToken), result.GetValue(json));
                return 0;
            }
            var options = compute.Read(result);
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            var request = new GenerationRequest(PromptIds(folder, promptText, useChat, idsText), parameters);
            PromptFit.Check(request.PromptIds, parameters.MaxNewTokens, folder.Config, idsText is null ? "--prompt" : "--ids");
            await using var engine = CommonOptions.LoadEngine(folder, options, engineFlags.Read(result));
            await GenerationOutput.RenderAsync(engine.Engine.GenerateAsync(request, cancellationToken), result.GetValue(json));
            return 0;
        });
        return command;
    }

    internal static void CheckPromptFlags(string? prompt, bool chat, string? ids)
    {
        if ((prompt is null) == (ids is null))
            throw new CliUsageException("give exactly one of --prompt TEXT or --ids 1,2,3");
        if (chat && ids is not null) throw new CliUsageException("--chat applies to --prompt, not to --ids");
    }

    internal static IReadOnlyList<int> PromptIds(ModelFolder folder, string? prompt, bool chat, string? ids)
    {
        if (ids is not null) return CommonOptions.ParseIds(ids, "--ids");
        return chat
            ? folder.Tokenizer.EncodeChat([new ChatMessage("user", prompt!)])
            : folder.Tokenizer.Encode(prompt!, addBos: true);
    }
}
