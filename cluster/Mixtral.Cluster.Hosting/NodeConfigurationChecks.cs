using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// What Microsoft.Extensions.Configuration lets through and a node must not: a file that is not valid UTF-8 (the JSON
/// provider reads it with replacement characters, so a damaged node_name would be looked up in the plan as is), and a
/// JSON null for a setting that has no "absent" meaning (the binder stores null, and the first use of it throws a
/// null reference).
/// </summary>
internal static class NodeConfigurationChecks
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly NullabilityInfoContext Nullability = new();

    public static void RequireUtf8(string jsonFile)
    {
        try
        {
            StrictUtf8.GetString(File.ReadAllBytes(jsonFile));
        }
        catch (DecoderFallbackException e)
        {
            throw new NodeConfigurationException($"--config: {jsonFile}: not valid UTF-8 ({e.Message})", e);
        }
    }

    /// <summary>Throws naming the key of the first non-nullable text setting that was bound to null.</summary>
    public static void RequireNonNullText(NodeOptions options)
    {
        foreach (var property in typeof(NodeOptions).GetProperties())
        {
            if (property.PropertyType != typeof(string) || property.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not { } key) continue;
            if (property.GetValue(options) is null && Nullability.Create(property).WriteState == NullabilityState.NotNull)
                throw new NodeConfigurationException($"node configuration: {key.Name} must be text, got null (leave the key out for its default)");
        }
    }
}
