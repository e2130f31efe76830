using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Reference;

/// <summary>One prompt of the Hugging Face reference: ids, and the 24 greedy tokens HF generated.</summary>
public sealed record ReferencePrompt(int Index, int[] InputIds, int[] GreedyTokens);

/// <summary>
/// The oracle: what transformers' MixtralForCausalLM computed for tiny-mixtral (reference.json + reference.safetensors).
/// </summary>
public sealed class HfReference : IDisposable
{
    private readonly SafetensorsFile _tensors;

    public HfReference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        Prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => new ReferencePrompt(
            p.GetProperty("index").GetInt32(),
            p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray())).ToArray();
        var batch = doc.RootElement.GetProperty("batch");
        BatchPromptIndices = batch.GetProperty("prompt_index").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        _tensors = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
    }

    public IReadOnlyList<ReferencePrompt> Prompts { get; }
    public int[] BatchPromptIndices { get; }

    /// <summary>A reference tensor as float32 (ids come back as int32, converted only when asked).</summary>
    public Tensor Tensor(string name) => _tensors.Read(name);

    public void Dispose() => _tensors.Dispose();
}
