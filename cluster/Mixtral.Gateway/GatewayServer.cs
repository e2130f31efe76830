using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mixtral.Client;

namespace Mixtral.Gateway;

/// <summary>The HTTP API as a running Kestrel server in this process, over a client of the cluster it serves.</summary>
public static class GatewayServer
{
    /// <summary>Builds and starts the server; the caller owns (stops and disposes) it. <see cref="BaseAddress"/> says where it listens.</summary>
    public static async Task<WebApplication> StartAsync(GatewayOptions options, MixtralClusterClient client, CancellationToken cancellationToken)
    {
        options.Validate();
        var address = ParseHost(options.Host);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        // Every log line to stderr: stdout carries the command's own output (`run --json`, generated text), which a log
        // line would corrupt for whoever reads it (a warning at 03:00 made `run --json` print "03:..." after its JSON).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (options.Certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves HTTPS out
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, options.Port, listen =>
            {
                if (options.Certificate is { } certificate) listen.UseHttps(certificate);
            });
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        builder.Services.AddMixtralGateway(options, _ => client);
        var app = builder.Build();
        app.MapMixtralGateway();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"the HTTP API could not listen on {options.Host}:{options.Port}: {e.Message}", e);
        }
        return app;
    }

    /// <summary>
    /// Stops the server gracefully, before the cluster under it stops: the listener closes (new connections are refused,
    /// so a load balancer moves on), requests in flight run to their end for up to <see cref="GatewayOptions.ShutdownGrace"/>,
    /// then whatever is left is cut off. Stopping the cluster first would end every open stream with an error.
    /// </summary>
    public static async Task DrainAsync(WebApplication app)
    {
        var grace = app.Services.GetRequiredService<GatewayOptions>().ShutdownGrace;
        Console.Error.WriteLine($"HTTP API stopping: no new requests; those in flight get up to {grace.TotalSeconds:0} s to finish (Ctrl+C again stops now)");
        using var limit = new CancellationTokenSource(grace);
        await app.StopAsync(limit.Token);
    }

    /// <summary>http://host:port the server listens on (the port chosen when 0 was asked for).</summary>
    public static Uri BaseAddress(WebApplication app)
    {
        var addresses = app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()?.Addresses : null;
        return new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the HTTP server has no address yet"));
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        _ => IPAddress.TryParse(host, out var ip) ? ip : throw new ArgumentException($"--host: \"{host}\" is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)"),
    };
}
