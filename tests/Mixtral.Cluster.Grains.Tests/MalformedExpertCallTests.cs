using System.Reflection;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// Expert calls with malformed hidden-state batches, sent through a real (in-process) cluster as a buggy or hostile
/// peer would: each is answered with a <see cref="WireFormatException"/> naming the problem; the expert keeps
/// serving afterwards. And the coordinator's fan-out probe refuses sizes that would pin its memory or time.
/// </summary>
public sealed class MalformedExpertCallTests(Float32WireCluster fixture) : IClassFixture<Float32WireCluster>
{
    private static readonly ConstructorInfo Raw = typeof(HiddenStateBatch).GetConstructor(
        BindingFlags.NonPublic | BindingFlags.Instance, [typeof(int), typeof(int), typeof(WireDType), typeof(byte[])])!;

    /// <summary>A batch with any header and payload, unchecked: what the codec builds from a peer's bytes.</summary>
    private static HiddenStateBatch Forged(int rows, int hidden, WireDType dtype, int payloadBytes) =>
        (HiddenStateBatch)Raw.Invoke([rows, hidden, dtype, new byte[payloadBytes]]);

    private IExpertGrain Expert => fixture.Cluster.GrainFactory.GetGrain<IExpertGrain>(new ExpertKey(1, 3).ToString());

    public static TheoryData<int, int, WireDType, int, string> Malformed => new()
    {
        { 2, 128, WireDType.Float32, 1023, "2 rows × 128 f32 needs 1024 bytes, got 1023" },
        { 2, 128, WireDType.Float32, 512, "2 rows × 128 f32 needs 1024 bytes, got 512" }, // bf16-sized payload, f32 header
        { 2, 128, WireDType.BFloat16, 1024, "2 rows × 128 bf16 needs 512 bytes, got 1024" },
        { 0, 128, WireDType.Float32, 8, "0 rows × 128 f32 needs 0 bytes, got 8" },
        { -1, 128, WireDType.Float32, 0, "rows must be ≥ 0, got -1" },
        { 1, 128, (WireDType)7, 512, "unknown dtype code 7" },
        { 1 << 20, 128, WireDType.Float32, 64, "1048576 rows × 128 f32 needs 536870912 bytes, got 64" }, // claims 512 MiB, sends 64 B
        { 2, 64, WireDType.Float32, 512, "rows have hidden size 64, this model's is 128" },
        { 2, 0, WireDType.Float32, 0, "rows have hidden size 0, this model's is 128" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_batch_is_refused_naming_the_problem(int rows, int hidden, WireDType dtype, int payloadBytes, string problem)
    {
        var error = await Assert.ThrowsAsync<WireFormatException>(() => Expert.RunAsync(Forged(rows, hidden, dtype, payloadBytes)));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);

        // The expert is still there and still computes.
        var good = HiddenStateBatch.Encode(new float[2 * 128], 2, 128, WireDType.Float32);
        var answer = await Expert.RunAsync(good);
        Assert.Equal((2, 128), (answer.Rows, answer.HiddenSize));
    }

    [Fact]
    public async Task A_call_without_a_batch_is_refused()
    {
        var error = await Assert.ThrowsAsync<WireFormatException>(() => Expert.RunAsync(null!));
        Assert.Contains("the call carried no hidden-state batch", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1, 1, "probe: experts must be 1..8, got 0")]
    [InlineData(9, 1, 1, "probe: experts must be 1..8, got 9")]
    [InlineData(1, 0, 1, "probe: rows per expert must be 1..2048, got 0")]
    [InlineData(8, int.MaxValue, 1, "probe: rows per expert must be 1..2048, got 2147483647")] // 8 × 2^31 × 128 floats asked for
    [InlineData(1, 1, 0, "probe: samples must be 1..10000, got 0")]
    [InlineData(1, 1, int.MaxValue, "probe: samples must be 1..10000, got 2147483647")] // a loop that would never end
    public async Task Fan_out_probe_sizes_are_capped(int experts, int rows, int samples, string problem)
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => coordinator.ProbeFanOutAsync(experts, rows, samples));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fan_out_probe_at_its_caps_still_runs()
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var probe = await coordinator.ProbeFanOutAsync(8, FanOutProbeLimits.MaxRowsPerExpert, 2);
        Assert.Equal((8, FanOutProbeLimits.MaxRowsPerExpert, 2), (probe.Experts, probe.RowsPerExpert, probe.Samples));
    }
}
