using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cli.Tests;

public sealed class TraceCommandTests
{
    [Fact]
    public async Task Trace_file_matches_the_hugging_face_reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        var ids = doc.RootElement.GetProperty("prompts")[1].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string output = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.safetensors");
        try
        {
            var run = await Cli.RunAsync("trace", "--model", Cli.TinyModel, "--ids", string.Join(',', ids), "--out", output);
            Assert.True(run.ExitCode == 0, run.ToString());

            using var trace = SafetensorsFile.Open(output);
            using var reference = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
            Assert.Equal(SafetensorsDType.F32, trace.Tensors["logits"].DType);
            Assert.Equal(SafetensorsDType.I32, trace.Tensors["router_topk_ids"].DType);
            Assert.Equal([4L, ids.Length, 2L], trace.Tensors["router_topk_ids"].Shape);

            using var logits = trace.Read("logits");
            using var expectedLogits = reference.Read("prompt1.logits");
            Assert.True((logits - expectedLogits).abs().max().item<float>() <= 5e-4f, "logits differ from HF by more than 5e-4");

            using var routerIds = trace.Read("router_topk_ids");
            using var expectedIds = reference.Read("prompt1.topk_experts");
            Assert.True(routerIds.to(ScalarType.Int32).ne(expectedIds).sum().item<long>() == 0, "router choices differ from HF");

            using var weights = trace.Read("router_topk_weights");
            using var expectedWeights = reference.Read("prompt1.topk_weights");
            Assert.True((weights - expectedWeights).abs().max().item<float>() <= 5e-5f, "router weights differ from HF by more than 5e-5");

            using var hidden = trace.Read("final_hidden");
            using var expectedHidden = reference.Read("prompt1.final_hidden");
            Assert.True((hidden - expectedHidden).abs().max().item<float>() <= 1e-4f, "final hidden differs from HF by more than 1e-4");
        }
        finally
        {
            File.Delete(output);
        }
    }
}
