using System.CommandLine;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Generation;
using Mixtral.Model.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral trace`: one forward pass, everything it decided written as safetensors; in this process or through a cluster.</summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var compute = new ComputeFlags();
        var cluster = CommonOptions.Cluster();
        var ids = new Option<string>("--ids") { Description = "Token ids of the prompt, e.g. 1,415,2936", Required = true };
        var output = new Option<string>("--out") { Description = "Output .safetensors file: logits [T,V] f32, router_topk_ids [L,T,K] i32, router_topk_weights [L,T,K] f32, final_hidden [T,D] f32", Required = true };

        var command = new Command("trace", "Run one forward pass and write logits, router choices and final hidden states") { model, cluster, ids, output };
        compute.AddTo(command);
        var connection = new ClusterConnectionFlags();
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var promptIds = CommonOptions.ParseIds(result.GetValue(ids)!, "--ids");
            string path = result.GetValue(output)!;
            string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null && !Directory.Exists(parent)) throw new CliUsageException($"--out: folder {parent} does not exist");
            if (result.GetValue(cluster) is string gateway)
            {
                if (result.GetValue(model) is not null) throw new CliUsageException("--model and --cluster exclude each other: the cluster serves its own model");
                await using var client = await MixtralClusterClient.ConnectAsync(connection.Read(result, gateway), cancellationToken);
                Save(await client.TraceAsync(promptIds, cancellationToken), path);
            }
            else
            {
                var options = compute.Read(result);
                var folder = CommonOptions.OpenModel(result.GetValue(model));
                await using var engine = CommonOptions.LoadEngine(folder, options, new EngineOptions());
                using var trace = await ForwardTrace.RunAsync(engine.Model, promptIds, cancellationToken);
                trace.Save(path);
            }
            Console.Error.WriteLine($"wrote {path}: {promptIds.Length} tokens");
            return 0;
        });
        return command;
    }

    /// <summary>The cluster's trace, written with the same names, dtypes and shapes as a local one.</summary>
    private static void Save(TraceResult t, string path)
    {
        using var logits = tensor(t.Logits).reshape(t.Tokens, t.Vocab);
        using var ids = tensor(t.RouterTopKIds).reshape(t.Layers, t.Tokens, t.ExpertsPerToken);
        using var weights = tensor(t.RouterTopKWeights).reshape(t.Layers, t.Tokens, t.ExpertsPerToken);
        using var hidden = tensor(t.FinalHidden).reshape(t.Tokens, t.Hidden);
        SafetensorsWriter.Write(path, [("logits", logits), ("router_topk_ids", ids), ("router_topk_weights", weights), ("final_hidden", hidden)]);
    }
}
