using System.Text.Json;
using Mixtral.Model.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.GpuCheck;

/// <summary>One prompt of the Hugging Face reference: its ids and the greedy tokens transformers generated.</summary>
public sealed record FixturePrompt(int Index, int[] InputIds, int[] GreedyTokens);

/// <summary>
/// The golden fixture (a Hugging Face Mixtral folder with random weights) and what transformers computed from it
/// (reference/reference.json + reference.safetensors): logits, router top-k ids and weights, greedy tokens.
/// </summary>
public sealed class GoldenFixture : IDisposable
{
    private readonly SafetensorsFile _tensors;

    public GoldenFixture(string folder)
    {
        Folder = folder;
        string json = Path.Combine(folder, "reference", "reference.json");
        string tensors = Path.Combine(folder, "reference", "reference.safetensors");
        if (!File.Exists(json)) throw new FileNotFoundException($"--fixture {folder}: reference/reference.json is missing (not the tiny-mixtral golden fixture?)", json);
        if (!File.Exists(tensors)) throw new FileNotFoundException($"--fixture {folder}: reference/reference.safetensors is missing", tensors);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => new FixturePrompt(
            p.GetProperty("index").GetInt32(),
            p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray())).ToArray();
        _tensors = SafetensorsFile.Open(tensors);
    }

    public string Folder { get; }
    public IReadOnlyList<FixturePrompt> Prompts { get; }

    /// <summary>HF's logits of a prompt at every position, [T, V] float32 on the CPU.</summary>
    public Tensor Logits(int prompt) => _tensors.Read($"prompt{prompt}.logits");

    /// <summary>HF's router choices [L, T, K] (int32) and renormalised weights [L, T, K] (float32).</summary>
    public (Tensor Ids, Tensor Weights) Routing(int prompt) =>
        (_tensors.Read($"prompt{prompt}.topk_experts"), _tensors.Read($"prompt{prompt}.topk_weights"));

    public void Dispose() => _tensors.Dispose();
}

/// <summary>Copies the router choices of every layer to the CPU as a forward pass makes them.</summary>
internal sealed class RoutingRecorder : Model.IForwardObserver, IDisposable
{
    public List<Tensor> ExpertIds { get; } = []; // per layer [N, K] int64
    public List<Tensor> Weights { get; } = []; // per layer [N, K] float32

    public void OnRouting(int layer, Tensor expertIds, Tensor weights)
    {
        ExpertIds.Add(expertIds.detach().cpu().clone());
        Weights.Add(weights.detach().to(ScalarType.Float32).cpu().clone());
    }

    public void Dispose()
    {
        foreach (var t in ExpertIds) t.Dispose();
        foreach (var t in Weights) t.Dispose();
    }
}
