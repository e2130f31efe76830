using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;

namespace Mixtral.Model.Tests.Generation;

/// <summary>A request's greedy tokens do not depend on what else shares its batch.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class BatchInvarianceTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sixteen_concurrent_identical_greedy_requests_each_equal_the_request_alone()
    {
        var prompt = fixture.Reference.Prompts[1];
        var request = new GenerationRequest(prompt.InputIds, new SamplingParams { DoSample = false, MaxNewTokens = 24 });
        await using var engine = new InferenceEngine(fixture.Model);
        var alone = await engine.GenerateToEndAsync(request).WaitAsync(Limit);
        Assert.Equal(prompt.GreedyTokens, alone.GeneratedIds);

        var together = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => engine.GenerateToEndAsync(request))).WaitAsync(Limit);
        Assert.All(together, r => Assert.Equal(alone.GeneratedIds, r.GeneratedIds));
    }
}
