using Mixtral.Cluster.Contracts.Wire;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The one resilience pipeline every expert call goes through: a timeout per attempt, then retry with
/// exponential backoff. The caller moves to the next replica on every retry, so with replicas in the plan a
/// retry is a fail-over. An expert call is a pure function of its rows, so retrying it is always safe.
/// </summary>
public static class ExpertCallResilience
{
    /// <summary>
    /// Retries over ~10 s (backoff 50 ms doubling to 2 s): long enough to outlast the cluster declaring a killed node
    /// dead (until then even its replicas' directory entries may be unreachable), short enough to fail a request
    /// clearly when no replica is left.
    /// </summary>
    public const int MaxRetries = 9;

    public static ResiliencePipeline<HiddenStateBatch> Build(TimeSpan attemptTimeout, FanOutMetrics metrics) =>
        new ResiliencePipelineBuilder<HiddenStateBatch>()
            .AddRetry(new RetryStrategyOptions<HiddenStateBatch>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
                UseJitter = true,
                // The first retry goes to another replica (another node): no reason to wait before it.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.AttemptNumber == 0 ? TimeSpan.Zero : null),
                ShouldHandle = new PredicateBuilder<HiddenStateBatch>().Handle<Exception>(IsTransient),
                OnRetry = _ =>
                {
                    metrics.Retried();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(attemptTimeout)
            .Build();

    /// <summary>
    /// A bad request (wrong shape or dtype) fails the same way everywhere: not worth a retry. Anything else (a lost
    /// connection, a dead silo, a timeout, an activation that failed on a node going down) may well succeed on the
    /// next replica or a moment later. Orleans' connection errors do not share one base type, hence the inversion.
    /// </summary>
    private static bool IsTransient(Exception e) => e switch
    {
        WireFormatException or ArgumentException => false,
        OperationCanceledException => false, // the caller gave up; a timed-out attempt is a TimeoutRejectedException
        _ => true,
    };
}
