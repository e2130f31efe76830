using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Cluster.Placement.Tests;

/// <summary>The two model configs placement is checked on: the real 8x7B (no weights) and the tiny fixture.</summary>
internal static class Models
{
    public static MixtralConfig Real8x7B { get; } = MixtralConfig.Load(FixturePaths.Mixtral8x7BConfig);
    public static MixtralConfig Tiny { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
}
