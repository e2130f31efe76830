using System.Reflection;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Placement.Strategies;

namespace Mixtral.Cluster.Tests;

/// <summary>The architecture invariants of the two projects, checked on the compiled assemblies.</summary>
public class ProjectBoundaryTests
{
    private static string[] References(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void Contracts_reference_only_the_framework_and_orleans()
    {
        Assert.All(References(typeof(HiddenStateBatch).Assembly), name =>
            Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Orleans", StringComparison.Ordinal)
                        || name.StartsWith("Microsoft.Extensions", StringComparison.Ordinal),
                $"Mixtral.Cluster.Contracts references {name}"));
    }

    [Fact]
    public void Placement_needs_no_orleans_runtime()
    {
        string[] references = References(typeof(RoundRobinStrategy).Assembly);
        Assert.DoesNotContain(references, name => name is "Orleans.Runtime" or "Orleans.Server" or "Orleans.Core");
        Assert.Contains("Mixtral.Model", references);
    }
}
