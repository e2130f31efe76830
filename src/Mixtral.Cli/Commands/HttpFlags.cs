using System.CommandLine;
using Mixtral.Gateway;

namespace Mixtral.Cli.Commands;

/// <summary>Where `mixtral serve` puts the HTTP API (--port, --host).</summary>
internal sealed class HttpFlags
{
    public Option<int?> Port { get; } = new("--port") { Description = $"HTTP port (default {GatewayOptions.DefaultPort})" };

    public Option<string?> Host { get; } = new("--host")
    {
        Description = $"Address the HTTP API binds (default {GatewayOptions.Loopback}: this machine only; 0.0.0.0 for every interface)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Port);
        command.Options.Add(Host);
    }

    public GatewayOptions Read(ParseResult result)
    {
        var defaults = new GatewayOptions();
        var options = defaults with { Port = result.GetValue(Port) ?? defaults.Port, Host = result.GetValue(Host) ?? defaults.Host };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
        return options;
    }
}
