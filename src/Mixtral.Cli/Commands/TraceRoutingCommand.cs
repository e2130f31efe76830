using System.CommandLine;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Model.Inference;
using Mixtral.Model.Tracing;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral trace-routing`: every prompt token's router choices at every layer, as JSON lines for placement
/// statistics and the simulator. One prefill per prompt in this process (the routing of a token depends only on its
/// prefix, so a prefill routes every prompt token exactly as decoding them one by one would).
/// </summary>
internal static class TraceRoutingCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var compute = new ComputeFlags();
        var prompts = new Option<string>("--prompts") { Description = "JSON lines, each {\"text\": \"…\"} (BOS added) or {\"ids\": [1, 2, …]} (used as given)", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "Trace file, JSON lines, one per prompt token and layer: {\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [5, 2], \"weights\": [0.61, 0.39]} (experts in descending weight)",
            Required = true,
        };
        var command = new Command("trace-routing", "Record which experts every prompt token chooses at every layer") { model, prompts, output };
        compute.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            string path = result.GetValue(output)!;
            string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null && !Directory.Exists(parent)) throw new CliUsageException($"--out: folder {parent} does not exist");
            var options = compute.Read(result);
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            var promptIds = RoutingPrompts.Load(result.GetValue(prompts)!, folder.Tokenizer, folder.Config.VocabSize);
            await using var engine = CommonOptions.LoadEngine(folder, options, new Mixtral.Model.Generation.EngineOptions());

            var recorder = new RoutingRecorder();
            bool live = !Console.IsErrorRedirected;
            long tokens = 0, totalTokens = promptIds.Sum(p => (long)p.Length);
            await using (var writer = new StreamWriter(path))
            {
                for (int p = 0; p < promptIds.Count; p++)
                {
                    recorder.Clear();
                    using (var cache = engine.Model.NewCache())
                    using (await engine.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, promptIds[p])]), recorder, cancellationToken)) { }
                    Write(writer, p, recorder.Layers);
                    tokens += promptIds[p].Length;
                    if (live) Console.Error.Write($"\rtracing: prompt {p + 1}/{promptIds.Count}, {tokens}/{totalTokens} tokens");
                }
            }
            if (live) Console.Error.WriteLine();
            Console.Error.WriteLine($"wrote {path}: {promptIds.Count} prompts, {tokens} tokens, {engine.Model.Config.NumHiddenLayers} layers");
            return 0;
        });
        return command;
    }

    /// <summary>Token-major (all layers of position 0, then position 1, …), so a reader groups tokens in one pass.</summary>
    private static void Write(TextWriter writer, int prompt, IReadOnlyList<LayerRouting> layers)
    {
        int tokens = layers[0].Tokens, k = layers[0].PerToken;
        for (int t = 0; t < tokens; t++)
            foreach (var layer in layers)
                RoutingTraceFile.Write(writer, new RoutingTraceRecord(prompt, t, layer.Layer,
                    [.. layer.ExpertIds.AsSpan(t * k, k).ToArray().Select(e => (int)e)], layer.Weights.AsSpan(t * k, k).ToArray()));
    }
}
