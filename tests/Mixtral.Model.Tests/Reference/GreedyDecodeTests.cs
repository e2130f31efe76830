using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Reference;

/// <summary>Greedy generation with the KV cache, alone and batched, against HF's generate(); and cache vs no cache.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class GreedyDecodeTests(TinyModelFixture fixture)
{
    private const int NewTokens = 24;

    public static TheoryData<int> PromptIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Greedy_tokens_equal_hugging_face_generate(int prompt)
    {
        var reference = fixture.Reference.Prompts[prompt];
        var generated = await GreedyAsync([reference.InputIds], NewTokens);
        Assert.Equal(reference.GreedyTokens, generated[0]);
    }

    [Fact]
    public async Task Batch_of_different_lengths_equals_unbatched_and_the_padded_hf_batch()
    {
        var indices = fixture.Reference.BatchPromptIndices; // prompts 0 and 2: lengths 5 and 33
        var prompts = indices.Select(i => fixture.Reference.Prompts[i].InputIds).ToArray();

        var caches = prompts.Select(_ => fixture.Model.NewCache()).ToArray();
        try
        {
            using var lastLogits = await fixture.Model.ForwardAsync(new TokenBatch(
                prompts.Select((p, i) => new SequenceChunk(caches[i], p)).ToList()));
            using var expectedLast = fixture.Reference.Tensor("batch.last_logits");
            ForwardMatchesHuggingFaceTests.AssertClose(expectedLast, lastLogits, Tolerances.Logits, "batched last-position logits");
        }
        finally
        {
            foreach (var c in caches) c.Dispose();
        }

        var generated = await GreedyAsync(prompts, NewTokens);
        using var expectedTokens = fixture.Reference.Tensor("batch.greedy_tokens"); // [2, 24] int32
        for (int row = 0; row < prompts.Length; row++)
        {
            Assert.Equal(expectedTokens[row].data<int>().ToArray(), generated[row]);
            Assert.Equal(fixture.Reference.Prompts[indices[row]].GreedyTokens, generated[row]);
        }
    }

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Incremental_decode_equals_one_full_forward(int prompt)
    {
        var reference = fixture.Reference.Prompts[prompt];
        var full = reference.InputIds.Concat(reference.GreedyTokens[..8]).ToArray();

        using var fullCache = fixture.Model.NewCache();
        using var fullLogits = await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(fullCache, full)], LogitRows.All)); // [T+8, V]

        using var cache = fixture.Model.NewCache();
        var steps = new List<Tensor>();
        try
        {
            steps.Add(await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, reference.InputIds)], LogitRows.All)));
            foreach (int token in reference.GreedyTokens[..8])
                steps.Add(await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, [token])])));
            using var incremental = cat(steps, 0);
            ForwardMatchesHuggingFaceTests.AssertClose(fullLogits, incremental, Tolerances.IncrementalVsFull, "incremental vs full forward");
            Assert.Equal(full.Length, cache.Length);
        }
        finally
        {
            foreach (var s in steps) s.Dispose();
        }
    }

    /// <summary>Argmax decoding over a batch of sequences, every step one TokenBatch.</summary>
    private async Task<List<int[]>> GreedyAsync(int[][] prompts, int newTokens)
    {
        var caches = prompts.Select(_ => fixture.Model.NewCache()).ToArray();
        var outputs = prompts.Select(_ => new List<int>()).ToList();
        try
        {
            var next = prompts.Select(p => (IReadOnlyList<int>)p).ToArray();
            for (int step = 0; step < newTokens; step++)
            {
                var batch = new TokenBatch(next.Select((ids, i) => new SequenceChunk(caches[i], ids)).ToList());
                using var logits = await fixture.Model.ForwardAsync(batch); // [B, V]
                using var argmax = logits.argmax(-1);
                var tokens = argmax.data<long>().ToArray();
                for (int i = 0; i < prompts.Length; i++)
                {
                    outputs[i].Add((int)tokens[i]);
                    next[i] = [(int)tokens[i]];
                }
            }
        }
        finally
        {
            foreach (var c in caches) c.Dispose();
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }
}
