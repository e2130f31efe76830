using Mixtral.Model.Kernels;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>The kernel thread pool runs every chunk of every job exactly once, also when callers compete for it.</summary>
public sealed class WorkerPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Every_chunk_runs_once_with_competing_callers(int threads)
    {
        using var pool = new WorkerPool(threads);
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int job = 0; job < 200; job++)
            {
                var counting = new CountingJob(chunks: 1 + job % 37);
                pool.Run(counting); // a caller that finds the pool busy runs its job alone
                Assert.True(counting.IsComplete);
                Assert.All(counting.Runs, r => Assert.Equal(1, r));
            }
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60)); // throws TimeoutException naming the wait if a job hangs
    }

    [Fact]
    public void A_pool_needs_at_least_one_thread() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));

    private sealed class CountingJob(int chunks) : ParallelJob(chunks)
    {
        public int[] Runs { get; } = new int[chunks];

        protected override void RunChunk(int chunk) => Interlocked.Increment(ref Runs[chunk]);
    }
}
