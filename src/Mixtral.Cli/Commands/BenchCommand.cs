using System.CommandLine;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral bench`: benchmarks that need the whole product (today: placement).</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks run by the product itself, writing reports under benchmarks/results/")
    {
        BenchPlacementCommand.Create(),
    };
}
