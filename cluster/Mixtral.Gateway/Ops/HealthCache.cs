using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.Ops;

/// <summary>
/// The cluster's health as a one-token generation says, reused for a few seconds: a load balancer polling /health
/// every second must not put a step on the cluster each time. Concurrent callers share one check.
/// </summary>
public sealed class HealthCache(MixtralClusterClient client, GatewayOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private Task<ClusterHealth>? _check;
    private DateTimeOffset _checkedAt;

    public Task<ClusterHealth> GetAsync()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_check is null || (_check.IsCompleted && now - _checkedAt >= options.HealthCacheDuration))
            {
                _checkedAt = now;
                _check = CheckAsync();
            }
            return _check;
        }
    }

    private async Task<ClusterHealth> CheckAsync()
    {
        var started = time.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            return await client.HealthAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ClusterHealth(false, $"the coordinator did not answer: {e.Message}", time.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
