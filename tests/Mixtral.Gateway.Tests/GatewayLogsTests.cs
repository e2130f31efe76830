using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Mixtral.Gateway.Tests;

/// <summary>The HTTP API's log lines go to stderr, every level: stdout is the hosting command's own (see the node host's test).</summary>
[Collection(GatewayServerGroup.Name)]
public sealed class GatewayLogsTests(GatewayFixture gateway)
{
    [Fact]
    public void The_gateway_s_console_logger_writes_every_level_to_stderr()
    {
        var console = gateway.ApiServices.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(LogLevel.Trace, console.LogToStandardErrorThreshold);
        Assert.Contains(gateway.ApiServices.GetServices<ILoggerProvider>(), p => p is ConsoleLoggerProvider);
    }
}
