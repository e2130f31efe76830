using System.Text.Json;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class TraceRoutingCommandTests
{
    [Fact]
    public async Task Routing_trace_records_the_experts_and_weights_hugging_face_chose_for_every_prompt_token()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        var prompts = doc.RootElement.GetProperty("prompts").EnumerateArray()
            .Select(p => p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        string dir = Directory.CreateTempSubdirectory("trace-routing-").FullName;
        try
        {
            string promptsFile = Path.Combine(dir, "prompts.jsonl"), traceFile = Path.Combine(dir, "trace.jsonl");
            File.WriteAllLines(promptsFile, prompts.Select(ids => JsonSerializer.Serialize(new { ids })));
            var run = await Cli.RunAsync("trace-routing", "--model", Cli.TinyModel, "--prompts", promptsFile, "--out", traceFile);
            Assert.True(run.ExitCode == 0, run.ToString());

            var trace = RoutingTraceFile.Load(traceFile);
            using var reference = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
            Assert.Equal(prompts.Sum(p => p.Length) * 4, trace.Count);
            for (int p = 0; p < prompts.Length; p++)
            {
                using var experts = reference.Read($"prompt{p}.topk_experts"); // [L, T, 2]
                using var weights = reference.Read($"prompt{p}.topk_weights");
                var expectedExperts = experts.to(TorchSharp.torch.ScalarType.Int32).data<int>().ToArray();
                var expectedWeights = weights.data<float>().ToArray();
                int tokens = prompts[p].Length;
                foreach (var r in trace.Where(r => r.Prompt == p))
                {
                    int at = (r.Layer * tokens + r.Position) * 2;
                    Assert.Equal(expectedExperts[at..(at + 2)], r.Experts);
                    for (int k = 0; k < 2; k++)
                        Assert.True(Math.Abs(expectedWeights[at + k] - r.Weights[k]) <= 5e-5f,
                            $"prompt {p} position {r.Position} layer {r.Layer}: weight {r.Weights[k]} vs HF {expectedWeights[at + k]}");
                    Assert.True(r.Weights[0] >= r.Weights[1], "experts are listed in descending weight");
                }
                Assert.Equal(tokens * 4, trace.Count(r => r.Prompt == p));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_prompt_line_is_refused_naming_the_file_line_and_field()
    {
        string dir = Directory.CreateTempSubdirectory("trace-routing-").FullName;
        try
        {
            string promptsFile = Path.Combine(dir, "prompts.jsonl");
            File.WriteAllLines(promptsFile, ["{\"text\": \"hello\"}", "{\"ids\": [1, 99999999]}"]);
            var run = await Cli.RunAsync("trace-routing", "--model", Cli.TinyModel, "--prompts", promptsFile, "--out", Path.Combine(dir, "t.jsonl"));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{promptsFile}:2: ids must hold token ids in 0..31999", run.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
