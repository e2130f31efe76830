using Mixtral.Cluster.Hosting;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>The expert-call resilience settings: from the node's configuration into NodeSettings, each bad one named by its flag.</summary>
public sealed class ExpertCallSettingsTests
{
    private static NodeOptions Options(params (string Key, string Value)[] flags) => NodeConfiguration.Load(null,
        new Dictionary<string, string?>(flags.Select(f => KeyValuePair.Create(f.Key, (string?)f.Value))
            .Append(KeyValuePair.Create("model", (string?)FixturePaths.TinyMixtral)).Append(KeyValuePair.Create("node_name", (string?)"local")),
            StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void The_settings_reach_the_node_with_the_documented_defaults()
    {
        var defaults = NodeStartupCheck.Resolve(Options()).ExpertCalls;
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.AttemptTimeout);
        Assert.Equal(3, defaults.HedgeFactor);
        Assert.Equal(TimeSpan.FromSeconds(60), defaults.StepDeadline);

        var given = NodeStartupCheck.Resolve(Options(("expert_call_timeout", "2"), ("expert_call_retries", "3"), ("hedge_factor", "0"),
            ("hedge_min_delay_ms", "5"), ("hedge_max_delay_ms", "300"), ("hedge_window", "64"), ("breaker_failure_ratio", "0.25"),
            ("breaker_min_calls", "6"), ("breaker_window_seconds", "0.75"), ("breaker_break_seconds", "1.5"), ("step_deadline", "4"))).ExpertCalls;
        Assert.Equal(TimeSpan.FromSeconds(2), given.AttemptTimeout);
        Assert.Equal(3, given.MaxRetries);
        Assert.False(given.Hedging);
        Assert.Equal((TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(300), 64), (given.HedgeMinDelay, given.HedgeMaxDelay, given.HedgeWindow));
        Assert.Equal((0.25, 6, TimeSpan.FromSeconds(1.5)), (given.BreakerFailureRatio, given.BreakerMinimumCalls, given.BreakerBreakDuration));
        Assert.Equal(TimeSpan.FromSeconds(0.75), given.BreakerSamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(4), given.StepDeadline);
    }

    [Theory]
    [InlineData("expert_call_retries", "-1", "--expert-call-retries must be in 0..100, got -1")]
    [InlineData("hedge_factor", "0.5", "--hedge-factor must be 0 (no hedging) or in 1..1000")]
    [InlineData("hedge_factor", "NaN", "--hedge-factor must be a finite number, got NaN")]
    [InlineData("hedge_min_delay_ms", "0", "--hedge-min-delay-ms must be positive")]
    [InlineData("hedge_max_delay_ms", "10", "--hedge-max-delay-ms (10) must be at least --hedge-min-delay-ms (20)")]
    [InlineData("hedge_window", "3", "--hedge-window must be in 16..65536 calls, got 3")]
    [InlineData("breaker_failure_ratio", "0", "--breaker-failure-ratio must be in (0, 1], got 0")]
    [InlineData("breaker_failure_ratio", "1.5", "--breaker-failure-ratio must be in (0, 1], got 1.5")]
    [InlineData("breaker_min_calls", "1", "--breaker-min-calls must be in 2..10000, got 1")]
    [InlineData("breaker_window_seconds", "0.2", "--breaker-window-seconds must be at least 0.5, got 0.2")]
    [InlineData("breaker_break_seconds", "0.1", "--breaker-break-seconds must be at least 0.5, got 0.1")]
    [InlineData("step_deadline", "0", "--step-deadline must be positive")]
    [InlineData("step_deadline", "Infinity", "--step-deadline must be a finite number")]
    public void A_bad_resilience_setting_stops_the_node_naming_its_flag(string key, string value, string message)
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(Options((key, value))));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }
}
