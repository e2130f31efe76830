using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Mixtral.Cluster.Hosting;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>
/// A node's log lines go to stderr, every level: stdout belongs to the command's own output (`mixtral run --json` prints
/// one JSON object there, and a warning logged during the run used to land after it as a line "03:05:12 warn: …").
/// </summary>
public sealed class LogsToStandardErrorTests
{
    [Fact]
    public void The_node_host_s_console_logger_writes_every_level_to_stderr()
    {
        var options = new NodeOptions { ModelPath = FixturePaths.TinyMixtral, NodeName = "solo" };
        using var host = NodeHost.Build(options, NodeStartupCheck.Resolve(options), LogLevel.Trace);
        var console = host.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(LogLevel.Trace, console.LogToStandardErrorThreshold);
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p is ConsoleLoggerProvider);
    }
}
