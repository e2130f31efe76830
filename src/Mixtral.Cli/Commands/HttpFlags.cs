using System.CommandLine;
using Mixtral.Gateway;

namespace Mixtral.Cli.Commands;

/// <summary>
/// Where `mixtral serve` puts the HTTP API (--port, --host) and how it is protected: API keys from --api-key-file and
/// MIXTRAL_API_KEYS (never a flag with the key itself: it would show in `ps`), HTTPS with --tls-certificate.
/// </summary>
internal sealed class HttpFlags
{
    public Option<int?> Port { get; } = new("--port") { Description = $"HTTP port (default {GatewayOptions.DefaultPort})" };

    public Option<string?> Host { get; } = new("--host")
    {
        Description = $"Address the HTTP API binds (default {GatewayOptions.Loopback}: this machine only; 0.0.0.0 for every interface)",
    };

    public const string ApiKeysVariable = "MIXTRAL_API_KEYS";

    public Option<string?> ApiKeyFile { get; } = new("--api-key-file")
    {
        Description = $"File of API keys, one per line: requests must send \"Authorization: Bearer KEY\" (also {ApiKeysVariable}=KEY1,KEY2); required when --host is not loopback",
    };

    public Option<string?> Certificate { get; } = new("--tls-certificate") { Description = "Serve HTTPS with this certificate (PKCS#12 or PEM with its key)" };

    public Option<string?> Key { get; } = new("--tls-key") { Description = "PEM private key of a PEM --tls-certificate (default: in the certificate's file)" };

    public Option<long?> MaxRequestBytes { get; } = new("--max-request-bytes") { Description = $"Largest request body accepted, in bytes; more is 413 (default {new GatewayOptions().MaxRequestBodyBytes})" };

    public Option<int?> MaxPromptChars { get; } = new("--max-prompt-chars") { Description = $"Prompt characters accepted per request (all messages together; default {GatewayOptions.DefaultMaxPromptCharacters})" };

    public Option<int?> MaxTokensLimit { get; } = new("--max-tokens-limit") { Description = "Largest max_tokens / max_new_tokens accepted (default: the model's context)" };

    public Option<double?> ShutdownGrace { get; } = new("--shutdown-grace")
    {
        Description = $"Seconds a stopping server (SIGTERM, Ctrl+C) lets requests in flight finish, refusing new ones (default {GatewayOptions.DefaultShutdownGrace.TotalSeconds:0})",
    };

    public Option<string?> CorsAllowOrigin { get; } = new("--cors-allow-origin")
    {
        Description = "Origins whose web pages may call the API from a browser, comma-separated (e.g. https://chat.example.com), or *; default none",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(CorsAllowOrigin);
        command.Options.Add(ShutdownGrace);
        command.Options.Add(MaxRequestBytes);
        command.Options.Add(MaxPromptChars);
        command.Options.Add(MaxTokensLimit);
        command.Options.Add(Port);
        command.Options.Add(Host);
        command.Options.Add(ApiKeyFile);
        command.Options.Add(Certificate);
        command.Options.Add(Key);
    }

    public GatewayOptions Read(ParseResult result)
    {
        var defaults = new GatewayOptions();
        var options = defaults with { Port = result.GetValue(Port) ?? defaults.Port, Host = result.GetValue(Host) ?? defaults.Host };
        try
        {
            if (result.GetValue(Key) is not null && result.GetValue(Certificate) is null) throw new ArgumentException("--tls-key needs --tls-certificate");
            options = options with
            {
                MaxRequestBodyBytes = result.GetValue(MaxRequestBytes) ?? defaults.MaxRequestBodyBytes,
                MaxPromptCharacters = result.GetValue(MaxPromptChars) ?? defaults.MaxPromptCharacters,
                MaxTokensLimit = result.GetValue(MaxTokensLimit),
                CorsAllowedOrigins = GatewayOptions.ParseOrigins(result.GetValue(CorsAllowOrigin), "--cors-allow-origin"),
                ShutdownGrace = result.GetValue(ShutdownGrace) is double grace
                    ? (double.IsFinite(grace) && grace is >= 0 and <= 3600 ? TimeSpan.FromSeconds(grace) : throw new ArgumentException($"--shutdown-grace must be 0..3600 seconds, got {grace}"))
                    : defaults.ShutdownGrace,
                ApiKeys = Gateway.Http.ApiKeys.Load(result.GetValue(ApiKeyFile), Environment.GetEnvironmentVariable(ApiKeysVariable), "--api-key-file", ApiKeysVariable),
                Certificate = result.GetValue(Certificate) is string certificate
                    ? Client.Security.ClusterCertificates.LoadLocal(certificate, result.GetValue(Key))
                    : null,
            };
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
        return options;
    }
}
