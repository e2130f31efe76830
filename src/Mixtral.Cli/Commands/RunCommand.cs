using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mixtral.Cli.Terminal;
using Mixtral.Client;
using Mixtral.Cluster.Hosting;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral run`: the embedded default. One process holds every role (coordinator and all experts, as grains
/// on one silo with localhost clustering), so the whole distributed path runs with nothing else installed.
/// Generates one prompt and exits, or with --serve keeps serving clients on the gateway port.
/// </summary>
internal static class RunCommand
{
    private const string DefaultPrompt = "Mixtral is a sparse mixture of experts that";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var node = new EmbeddedNodeFlags();
        var prompt = new Option<string?>("--prompt") { Description = $"Prompt text (default: \"{DefaultPrompt}\")" };
        var chat = new Option<bool>("--chat") { Description = "Wrap --prompt as one user turn of the chat template" };
        var ids = new Option<string?>("--ids") { Description = "Prompt as token ids" };
        var sampling = new SamplingOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object at the end instead of streaming text" };
        var serve = new Option<bool>("--serve") { Description = "Keep serving on the gateway port until Ctrl+C instead of generating once" };

        var command = new Command("run", "Run the whole cluster in this process (every role) and generate") { model, prompt, chat, ids, json, serve };
        node.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var parameters = sampling.Read(result);
            string? promptText = result.GetValue(prompt), idsText = result.GetValue(ids);
            if (promptText is null && idsText is null) promptText = DefaultPrompt;
            GenerateCommand.CheckPromptFlags(promptText, result.GetValue(chat), idsText);
            int[]? promptIds = idsText is null ? null : CommonOptions.ParseIds(idsText, "--ids");
            var nodeOptions = node.Read(result);
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            var options = nodeOptions(folder);
            Console.Error.WriteLine($"starting the embedded cluster (one node, every role) on {folder.Path}");
            using var host = await NodeHost.StartAsync(options, LogLevel.Warning, cancellationToken);
            if (result.GetValue(serve))
            {
                await NodeHost.ServeUntilCancelledAsync(host, options.NodeName, cancellationToken);
                return 0;
            }

            await using var client = MixtralClusterClient.Over(host.Services.GetRequiredService<IClusterClient>());
            var request = ClusterGeneration.Command(promptText, result.GetValue(chat), promptIds, parameters);
            await GenerationOutput.RenderAsync(ClusterGeneration.EventsAsync(client, request, cancellationToken), result.GetValue(json));
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10))) await host.StopAsync(stop.Token);
            return 0;
        });
        return command;
    }
}
