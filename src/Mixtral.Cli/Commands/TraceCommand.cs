using System.CommandLine;
using Mixtral.Model.Tracing;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral trace`: one forward pass, everything it decided written as safetensors.</summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var dtype = CommonOptions.DType();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var ids = new Option<string>("--ids") { Description = "Token ids of the prompt, e.g. 1,415,2936", Required = true };
        var output = new Option<string>("--out") { Description = "Output .safetensors file: logits [T,V] f32, router_topk_ids [L,T,K] i32, router_topk_weights [L,T,K] f32, final_hidden [T,D] f32", Required = true };

        var command = new Command("trace", "Run one forward pass and write logits, router choices and final hidden states") { model, dtype, device, threads, ids, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = CommonOptions.ComputeOptions(result, dtype, device, threads);
            var promptIds = CommonOptions.ParseIds(result.GetValue(ids)!, "--ids");
            string path = result.GetValue(output)!;
            string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null && !Directory.Exists(parent)) throw new CliUsageException($"--out: folder {parent} does not exist");
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            await using var engine = CommonOptions.LoadEngine(folder, options);
            using var trace = await ForwardTrace.RunAsync(engine.Model, promptIds, cancellationToken);
            trace.Save(path);
            Console.Error.WriteLine($"wrote {path}: {promptIds.Length} tokens × {folder.Config.NumHiddenLayers} layers");
            return 0;
        });
        return command;
    }
}
