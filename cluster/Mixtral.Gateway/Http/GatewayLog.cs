using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mixtral.Gateway.Http;

/// <summary>The gateway's log lines (source-generated).</summary>
public static partial class GatewayLog
{
    /// <summary>A request failed in a way the error mapping does not know: the details go to the log, never to the client.</summary>
    public static void Unexpected(HttpContext http, Exception e) =>
        LogUnexpected(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mixtral.Gateway"), http.Request.Method, http.Request.Path, e);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string method, PathString path, Exception exception);
}
