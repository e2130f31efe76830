using Mixtral.Cluster.Contracts.Wire;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mixtral.Cluster.Experts;

/// <summary>
/// The one resilience pipeline every expert call goes through: a timeout per attempt, then retry with
/// exponential backoff. The caller moves to the next replica on every retry, so with replicas in the plan a
/// retry is a fail-over. An expert call is a pure function of its rows, so retrying it is always safe.
/// </summary>
public static class ExpertCallResilience
{
    public const int MaxRetries = 2;

    public static ResiliencePipeline<HiddenStateBatch> Build(TimeSpan attemptTimeout, FanOutMetrics metrics) =>
        new ResiliencePipelineBuilder<HiddenStateBatch>()
            .AddRetry(new RetryStrategyOptions<HiddenStateBatch>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(50),
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HiddenStateBatch>().Handle<Exception>(IsTransient),
                OnRetry = _ =>
                {
                    metrics.Retried();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(attemptTimeout)
            .Build();

    /// <summary>Lost nodes, timeouts and messaging failures are worth retrying; a bad request (wrong shape) is not.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        WireFormatException or ArgumentException or InvalidOperationException => false,
        TimeoutRejectedException or TimeoutException => true,
        SiloUnavailableException or OrleansMessageRejectionException => true,
        OrleansException => true,
        _ => false,
    };
}
