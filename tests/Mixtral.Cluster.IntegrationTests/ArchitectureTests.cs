using System.Reflection;
using Mixtral.Cluster.Coordinator;
using Mixtral.Model.Inference;
using Mixtral.Serving;
using Mixtral.Tokenization;

namespace Mixtral.Cluster.IntegrationTests;

/// <summary>The architecture invariants of ARCHITECTURE.md, checked on the compiled assemblies (transitively).</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void Model_library_knows_no_orleans_http_or_messagepack()
    {
        var references = Closure(typeof(MixtralModel).Assembly);
        AssertNone(references, "Mixtral.Model", "Orleans", "Microsoft.AspNetCore", "MessagePack", "Mixtral.Tokenization");
    }

    [Fact]
    public void Tokenization_knows_no_tensors_and_no_orleans()
    {
        var references = Closure(typeof(MixtralTokenizer).Assembly);
        AssertNone(references, "Mixtral.Tokenization", "TorchSharp", "Orleans", "Microsoft.AspNetCore", "Mixtral.Model");
    }

    [Fact]
    public void Serving_composition_knows_no_orleans_or_http()
    {
        AssertNone(Closure(typeof(ModelFolder).Assembly), "Mixtral.Serving", "Orleans", "Microsoft.AspNetCore");
    }

    [Fact]
    public void Grains_know_no_http()
    {
        // Direct references only: Orleans' own transport uses ASP.NET's connection abstractions (sockets, not HTTP).
        var direct = typeof(CoordinatorGrain).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet(StringComparer.Ordinal);
        AssertNone(direct, "Mixtral.Cluster", "Microsoft.AspNetCore", "System.Net.Http");
    }

    /// <summary>Every assembly reachable from <paramref name="root"/> through references (framework ones included).</summary>
    private static HashSet<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>(root.GetReferencedAssemblies());
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!)) continue;
            if (name.Name!.StartsWith("System", StringComparison.Ordinal) || name.Name.StartsWith("Microsoft.Win32", StringComparison.Ordinal)) continue;
            try
            {
                foreach (var child in Assembly.Load(name).GetReferencedAssemblies()) pending.Push(child);
            }
            catch (FileNotFoundException)
            {
                // Not deployed next to the tests: cannot be part of what the root loads at run time either.
            }
        }
        return seen;
    }

    private static void AssertNone(HashSet<string> references, string what, params string[] forbiddenPrefixes)
    {
        foreach (string prefix in forbiddenPrefixes)
        {
            var offending = references.Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            Assert.True(offending.Count == 0, $"{what} depends on {string.Join(", ", offending)}");
        }
    }
}
