using Microsoft.Extensions.Configuration;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// A node's settings layered by Microsoft.Extensions.Configuration, later layers winning: an optional JSON file, then
/// environment variables prefixed MIXTRAL_NODE_ (MIXTRAL_NODE_REDIS=host:6379), then the flags the operator typed.
/// Unknown keys and values of the wrong type are rejected naming the key.
/// </summary>
public static class NodeConfiguration
{
    public const string EnvironmentPrefix = "MIXTRAL_NODE_";

    public static NodeOptions Load(string? jsonFile, IReadOnlyDictionary<string, string?> flags, NodeOptions? defaults = null)
    {
        var builder = new ConfigurationBuilder();
        if (jsonFile is not null)
        {
            if (!File.Exists(jsonFile)) throw new NodeConfigurationException($"--config: {jsonFile} not found");
            NodeConfigurationChecks.RequireUtf8(jsonFile);
            builder.AddJsonFile(Path.GetFullPath(jsonFile), optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(flags);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new NodeConfigurationException($"--config: {jsonFile}: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new NodeConfigurationException($"--config: {jsonFile}: not valid JSON ({e.Message})", e);
        }
        // The binder's own unknown-key check ignores [ConfigurationKeyName], so the keys are checked here.
        var unknown = configuration.GetChildren().Select(c => c.Key).Where(k => !Keys.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new NodeConfigurationException(
                $"node configuration: unknown key(s) {string.Join(", ", unknown)} (known: {string.Join(", ", Keys.Order(StringComparer.Ordinal))})");
        var options = defaults ?? new NodeOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new NodeConfigurationException($"node configuration: {Describe(e)}", e);
        }
        NodeConfigurationChecks.RequireNonNullText(options);
        return options;
    }

    /// <summary>Every key a node understands: the [ConfigurationKeyName] of each setting of <see cref="NodeOptions"/>.</summary>
    public static readonly IReadOnlySet<string> Keys = typeof(NodeOptions).GetProperties()
        .Select(p => p.GetCustomAttributes(typeof(ConfigurationKeyNameAttribute), false).OfType<ConfigurationKeyNameAttribute>().FirstOrDefault()?.Name)
        .OfType<string>()
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The binder's message without its type names: which key, which value.</summary>
    private static string Describe(InvalidOperationException e) =>
        e.InnerException?.Message is string inner ? $"{e.Message.Split(". ")[0]} ({inner})" : e.Message;
}

/// <summary>A node's configuration that cannot be used as it is; the message names the key, flag or file.</summary>
public sealed class NodeConfigurationException : Exception
{
    public NodeConfigurationException(string message) : base(message) { }
    public NodeConfigurationException(string message, Exception inner) : base(message, inner) { }
    public NodeConfigurationException() { }
}
