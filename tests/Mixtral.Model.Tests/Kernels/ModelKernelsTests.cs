using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Tests.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// The whole model with the CPU kernels against the same model on LibTorch alone: a batched prefill of prompts of
/// different lengths, then batched decode steps fed the same tokens. Same routing, logits within the tolerance held
/// against Hugging Face, same greedy choices.
/// </summary>
[Collection(SharedTinyModel.Name)]
public sealed class ModelKernelsTests(TinyModelFixture fixture)
{
    private const int DecodeSteps = 12;

    [Fact]
    public async Task Kernel_path_equals_libtorch_path_over_prefill_and_decode()
    {
        var prompts = fixture.Reference.Prompts.Take(3).Select(p => p.InputIds).ToArray(); // different lengths, one short enough for the attention kernel
        var kernel = new Run(fixture.Model, prompts.Length);
        var libTorch = new Run(fixture.Model, prompts.Length);
        try
        {
            var inputs = prompts;
            for (int step = 0; step <= DecodeSteps; step++)
            {
                using var kernelRouting = new RoutingCapture();
                using var torchRouting = new RoutingCapture();
                using var actual = await kernel.StepAsync(inputs, kernelRouting);
                Tensor expected;
                using (CpuKernels.Suspend()) expected = await libTorch.StepAsync(inputs, torchRouting);
                using (expected)
                {
                    KernelTolerance.AssertClose(expected, actual, Tolerances.Logits, $"step {step} logits");
                    using var expectedTokens = expected.argmax(-1);
                    using var actualTokens = actual.argmax(-1);
                    Assert.Equal(expectedTokens.data<long>().ToArray(), actualTokens.data<long>().ToArray());
                    inputs = [.. actualTokens.data<long>().ToArray().Select(t => new[] { (int)t })];
                }
                for (int layer = 0; layer < kernelRouting.ExpertIds.Count; layer++)
                {
                    Assert.Equal(torchRouting.ExpertIds[layer].data<long>().ToArray(), kernelRouting.ExpertIds[layer].data<long>().ToArray());
                    KernelTolerance.AssertClose(torchRouting.Weights[layer], kernelRouting.Weights[layer], Tolerances.RouterWeights, $"step {step} layer {layer} routing weights");
                }
            }
        }
        finally
        {
            kernel.Dispose();
            libTorch.Dispose();
        }
    }

    /// <summary>A batch of sequences with their own caches, stepped together.</summary>
    private sealed class Run(MixtralModel model, int sequences) : IDisposable
    {
        private readonly KvCache[] _caches = [.. Enumerable.Range(0, sequences).Select(_ => model.NewCache())];

        public Task<Tensor> StepAsync(IReadOnlyList<int>[] inputs, IForwardObserver observer) =>
            model.ForwardAsync(new TokenBatch([.. inputs.Select((ids, i) => new SequenceChunk(_caches[i], ids))]), observer);

        public void Dispose()
        {
            foreach (var c in _caches) c.Dispose();
        }
    }
}
