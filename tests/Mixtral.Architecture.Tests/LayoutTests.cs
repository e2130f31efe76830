using System.Text.RegularExpressions;
using Mixtral.Testing;

namespace Mixtral.Architecture.Tests;

/// <summary>
/// The architecture invariants of ARCHITECTURE.md, read from the project files and sources: a project that
/// references across the line, or a namespace split over two assemblies, fails here before anyone reads a review.
/// </summary>
public sealed partial class LayoutTests
{
    /// <summary>The one program: it wires the model side and the cluster side together, so it may see both.</summary>
    private const string CompositionRoot = "Mixtral.Cli";

    private static readonly ProjectGraph Graph = ProjectGraph.Load(FixturePaths.RepositoryRoot);

    private static readonly string[] OrleansOrHttp = ["Microsoft.Orleans", "Microsoft.AspNetCore", "OpenTelemetry.Exporter.Prometheus.AspNetCore"];

    [Fact]
    public void Libraries_in_src_know_nothing_of_orleans_or_the_cluster()
    {
        foreach (var project in Graph.Projects.Where(p => p.Room == "src" && p.Name != CompositionRoot))
        {
            var crossing = Graph.ReferencedProjects(project.Name).Where(r => Graph[r].Room != "src").ToList();
            Assert.True(crossing.Count == 0, $"{project.Name} (src/) references {string.Join(", ", crossing)} outside src/");
            AssertNoPackage(project.Name, OrleansOrHttp);
        }
    }

    [Fact]
    public void Everything_that_knows_orleans_lives_in_cluster()
    {
        foreach (var project in Graph.Projects.Where(p => p.Room is "src" && p.Name != CompositionRoot))
            Assert.DoesNotContain(Graph[project.Name].Packages, p => p.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        var clusterProjects = Graph.Projects.Where(p => p.Room == "cluster").Select(p => p.Name).ToList();
        Assert.All(clusterProjects, name => Assert.True(
            Graph.PackagesInClosure(name).Any(p => p.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)),
            $"{name} is in cluster/ but does not use Orleans: it belongs in src/"));
    }

    [Fact]
    public void Model_config_is_plain_data_without_libtorch()
    {
        var config = Graph["Mixtral.Model.Config"];
        Assert.Empty(config.ProjectReferences);
        Assert.Empty(config.Packages);
    }

    [Fact]
    public void Model_library_knows_no_orleans_http_messagepack_or_tokenizer()
    {
        AssertNoPackage("Mixtral.Model", [.. OrleansOrHttp, "MessagePack"]);
        Assert.DoesNotContain("Mixtral.Tokenization", Graph.ReferencedProjects("Mixtral.Model"));
    }

    [Fact]
    public void Tokenization_knows_no_tensors_and_no_orleans()
    {
        AssertNoPackage("Mixtral.Tokenization", [.. OrleansOrHttp, "TorchSharp", "libtorch"]);
        Assert.Empty(Graph["Mixtral.Tokenization"].ProjectReferences);
    }

    [Fact]
    public void Contracts_reference_only_the_orleans_sdk()
    {
        var contracts = Graph["Mixtral.Cluster.Contracts"];
        Assert.Empty(contracts.ProjectReferences);
        Assert.Equal(["Microsoft.Orleans.Sdk"], contracts.Packages);
    }

    [Fact]
    public void Placement_is_pure_functions_without_the_orleans_runtime_or_libtorch()
    {
        AssertNoPackage("Mixtral.Cluster.Placement", ["Microsoft.Orleans.Server", "Microsoft.Orleans.Runtime", "TorchSharp", "libtorch"]);
        Assert.DoesNotContain("Mixtral.Model", Graph.ReferencedProjects("Mixtral.Cluster.Placement"));
    }

    [Fact]
    public void Grains_and_the_silo_host_know_no_http()
    {
        foreach (string name in new[] { "Mixtral.Cluster.Contracts", "Mixtral.Cluster.Placement", "Mixtral.Cluster.Grains", "Mixtral.Cluster.Hosting", "Mixtral.Client", "Mixtral.Cluster.Processes" })
            AssertNoPackage(name, ["Microsoft.AspNetCore", "OpenTelemetry.Exporter.Prometheus.AspNetCore"]);
    }

    /// <summary>The gateway is the one project that knows HTTP; the CLI may host it, tests may drive it.</summary>
    [Fact]
    public void Only_the_gateway_references_asp_net_core()
    {
        string[] http = ["Microsoft.AspNetCore", "OpenTelemetry.Exporter.Prometheus.AspNetCore"];
        foreach (var project in Graph.Projects.Where(p => p.Room is "src" or "cluster" or "benchmarks"))
        {
            var direct = project.Packages.Concat(project.Frameworks).Where(p => http.Any(h => p.StartsWith(h, StringComparison.OrdinalIgnoreCase))).ToList();
            if (project.Name == "Mixtral.Gateway")
                Assert.Contains("Microsoft.AspNetCore.App", direct);
            else
                Assert.True(direct.Count == 0, $"{project.Name} references {string.Join(", ", direct)} itself: HTTP belongs in Mixtral.Gateway");
        }
        var reachers = Graph.Projects.Where(p => p.Room is "src" or "cluster" && Graph.ReferencedProjects(p.Name).Contains("Mixtral.Gateway")).Select(p => p.Name);
        Assert.All(reachers, name => Assert.Equal(CompositionRoot, name));
        Assert.DoesNotContain("Mixtral.Engine", Graph.ReferencedProjects("Mixtral.Gateway")); // it reaches the model through the client only
    }

    [Fact]
    public void Products_never_reference_tests_or_benchmarks_and_benchmarks_never_reference_tests()
    {
        foreach (var project in Graph.Projects.Where(p => p.Room is "src" or "cluster" or "benchmarks"))
        {
            var wrong = Graph.ReferencedProjects(project.Name)
                .Where(r => Graph[r].Room == "tests" || (project.Room != "benchmarks" && Graph[r].Room == "benchmarks")).ToList();
            Assert.True(wrong.Count == 0, $"{project.Name} references {string.Join(", ", wrong)}");
        }
    }

    [Fact]
    public void Each_namespace_lives_in_one_assembly()
    {
        var owners = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var project in Graph.Projects)
        {
            string dir = Path.Combine(FixturePaths.RepositoryRoot, project.RelativeDirectory);
            foreach (string file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal)) continue;
                foreach (Match m in NamespaceDeclaration().Matches(File.ReadAllText(file)))
                {
                    if (!owners.TryGetValue(m.Groups[1].Value, out var set)) owners[m.Groups[1].Value] = set = [];
                    set.Add(project.Name);
                }
            }
        }
        var split = owners.Where(o => o.Value.Count > 1).Select(o => $"{o.Key} in {string.Join(" and ", o.Value.Order())}").ToList();
        Assert.True(split.Count == 0, "namespaces split over assemblies: " + string.Join("; ", split));
    }

    [Fact]
    public void Every_project_is_in_the_solution()
    {
        string sln = File.ReadAllText(Path.Combine(FixturePaths.RepositoryRoot, "Mixtral.Distributed.sln")).Replace('\\', '/');
        foreach (var project in Graph.Projects)
            Assert.Contains($"{project.RelativeDirectory}/{project.Name}.csproj", sln, StringComparison.Ordinal);
    }

    private static void AssertNoPackage(string project, string[] forbiddenPrefixes)
    {
        var offending = Graph.PackagesInClosure(project)
            .Where(p => forbiddenPrefixes.Any(f => p.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(offending.Count == 0, $"{project} depends on {string.Join(", ", offending)}");
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
