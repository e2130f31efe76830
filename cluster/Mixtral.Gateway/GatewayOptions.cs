using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Mixtral.Gateway;

/// <summary>Where the HTTP API listens and the limits it enforces before a request reaches the cluster.</summary>
public sealed record GatewayOptions
{
    public const int DefaultPort = 8080;
    public const string Loopback = "127.0.0.1";

    /// <summary>Address to bind; loopback unless an operator opens it up.</summary>
    public string Host { get; init; } = Loopback;

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Largest request body accepted (413 beyond it).</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>How long a /health answer is reused: each check generates a real token.</summary>
    public TimeSpan HealthCacheDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>max_tokens / max_new_tokens when a request gives none (TGI's default is 100).</summary>
    public int DefaultMaxNewTokens { get; init; } = 100;

    /// <summary>
    /// Prompt characters (all messages together) accepted per request: Mixtral's 32k-token context holds about 128k
    /// characters of English; twice that is accepted, more is refused before the coordinator spends time tokenizing it.
    /// </summary>
    public int MaxPromptCharacters { get; init; } = DefaultMaxPromptCharacters;
    public const int DefaultMaxPromptCharacters = 262_144;

    /// <summary>max_tokens accepted per request; null: up to the model's context.</summary>
    public int? MaxTokensLimit { get; init; }

    /// <summary>Keys a request must present as "Authorization: Bearer KEY"; none: no check (allowed only on loopback).</summary>
    public Http.ApiKeys ApiKeys { get; init; } = Http.ApiKeys.None;

    /// <summary>Serve HTTPS with this certificate (and its private key); null: plain HTTP.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// How long a stopping server (SIGTERM, Ctrl+C, a drained node) keeps answering the requests already in flight, its
    /// listener closed to new ones, before it cuts them off: Kubernetes' default termination grace is 30 s too.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = DefaultShutdownGrace;
    public static readonly TimeSpan DefaultShutdownGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Origins whose web pages may call the API from a browser (CORS), e.g. https://chat.example.com, or "*" for any;
    /// none (the default, as TGI's): browsers refuse pages of other origins the answers. Preflights need no API key
    /// (browsers send none); the requests that follow do.
    /// </summary>
    public IReadOnlyList<string> CorsAllowedOrigins { get; init; } = [];

    /// <summary>"https://a.example, http://localhost:3000" → the origins as browsers send them; a bad one is refused naming <paramref name="flag"/>.</summary>
    public static IReadOnlyList<string> ParseOrigins(string? commaList, string flag)
    {
        if (commaList is null) return [];
        var origins = new List<string>();
        foreach (string item in commaList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == "*") { origins.Add(item); continue; }
            if (!Uri.TryCreate(item, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.PathAndQuery != "/" || item.EndsWith('/') || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
                throw new ArgumentException($"{flag}: \"{item}\" is not an origin (scheme://host[:port], e.g. https://chat.example.com), nor *");
            origins.Add(uri.GetLeftPart(UriPartial.Authority));
        }
        if (origins.Count == 0) throw new ArgumentException($"{flag}: give at least one origin (scheme://host[:port]) or *");
        if (origins.Contains("*") && origins.Count > 1) throw new ArgumentException($"{flag}: * already allows every origin; give it alone");
        return origins;
    }

    /// <summary>Whether <see cref="Host"/> is this machine only (127.0.0.0/8, ::1, localhost).</summary>
    public bool BindsLoopbackOnly => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("--host: give an address to bind (e.g. 127.0.0.1)");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0..65535, got {Port}");
        if (MaxRequestBodyBytes < 1024) throw new ArgumentException($"--max-request-bytes must be at least 1024, got {MaxRequestBodyBytes}");
        if (!BindsLoopbackOnly && ApiKeys.Count == 0)
            throw new ArgumentException(
                $"--host {Host} opens the HTTP API to other machines: give API keys (--api-key-file FILE, or MIXTRAL_API_KEYS=KEY1,KEY2), or keep it on {Loopback}");
        if (MaxPromptCharacters < 1) throw new ArgumentException($"--max-prompt-chars must be at least 1, got {MaxPromptCharacters}");
        if (MaxTokensLimit is < 1) throw new ArgumentException($"--max-tokens-limit must be at least 1, got {MaxTokensLimit}");
        if (ShutdownGrace < TimeSpan.Zero || ShutdownGrace > TimeSpan.FromHours(1))
            throw new ArgumentException($"--shutdown-grace must be 0..3600 seconds, got {ShutdownGrace.TotalSeconds}");
        if (DefaultMaxNewTokens < 1) throw new ArgumentException($"the default max_tokens must be at least 1, got {DefaultMaxNewTokens}");
    }
}
