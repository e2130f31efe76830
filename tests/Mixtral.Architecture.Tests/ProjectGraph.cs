using System.Xml.Linq;

namespace Mixtral.Architecture.Tests;

/// <summary>One project of the repository as its .csproj declares it.</summary>
public sealed record ProjectNode(string Name, string RelativeDirectory, IReadOnlyList<string> ProjectReferences, IReadOnlyList<string> Packages, IReadOnlyList<string> Frameworks)
{
    /// <summary>The top-level room it lives in: src, cluster, tests or benchmarks.</summary>
    public string Room => RelativeDirectory.Split('/')[0];
}

/// <summary>Every .csproj under the repository root, read as XML (no build needed), with their references resolved by name.</summary>
public sealed class ProjectGraph
{
    private readonly Dictionary<string, ProjectNode> _projects;

    private ProjectGraph(Dictionary<string, ProjectNode> projects) => _projects = projects;

    public IReadOnlyCollection<ProjectNode> Projects => _projects.Values;

    public ProjectNode this[string name] => _projects.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"no project named {name}");

    public static ProjectGraph Load(string root)
    {
        var projects = new Dictionary<string, ProjectNode>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)) continue;
            var xml = XDocument.Load(file);
            string[] Items(string kind) => [.. xml.Descendants(kind).Select(e => (string?)e.Attribute("Include")).OfType<string>()];
            var references = Items("ProjectReference").Select(p => Path.GetFileNameWithoutExtension(p.Replace('\\', '/'))).ToArray();
            string name = Path.GetFileNameWithoutExtension(file);
            projects[name] = new ProjectNode(name, Path.GetDirectoryName(relative)!.Replace('\\', '/'), references, Items("PackageReference"), Items("FrameworkReference"));
        }
        return new ProjectGraph(projects);
    }

    /// <summary>The projects <paramref name="name"/> references, directly or through others.</summary>
    public IReadOnlySet<string> ReferencedProjects(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(this[name].ProjectReferences);
        while (pending.TryPop(out string? next))
            if (seen.Add(next))
                foreach (string child in this[next].ProjectReferences) pending.Push(child);
        return seen;
    }

    /// <summary>Packages and framework references of the project and of every project it references.</summary>
    public IReadOnlySet<string> PackagesInClosure(string name) =>
        ReferencedProjects(name).Append(name).SelectMany(p => this[p].Packages.Concat(this[p].Frameworks)).ToHashSet(StringComparer.Ordinal);
}
