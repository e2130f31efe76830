namespace Mixtral.Testing;

/// <summary>
/// Where the read-only oracle fixtures live: <c>../shared/fixtures</c> next to the repository root (the same
/// on developer machines and in CI). MIXTRAL_FIXTURES overrides it. Tests never copy them into the repo.
/// </summary>
public static class FixturePaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;
    public static string TinyMixtral => Path.Combine(Root, "tiny-mixtral");
    public static string Reference => Path.Combine(TinyMixtral, "reference");
    public static string ReferenceJson => Path.Combine(Reference, "reference.json");
    public static string ReferenceTensors => Path.Combine(Reference, "reference.safetensors");
    public static string Tokenizer => Path.Combine(Root, "tokenizer");
    public static string Mixtral8x7BConfig => Path.Combine(Root, "mixtral-8x7b-config", "config.json");

    /// <summary>The repository root (the folder holding Mixtral.Distributed.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("MIXTRAL_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        string candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));
        if (!Directory.Exists(candidate))
            throw new DirectoryNotFoundException(
                $"oracle fixtures not found at {candidate}; set MIXTRAL_FIXTURES to the shared/fixtures folder");
        return candidate;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mixtral.Distributed.sln"))) return dir.FullName;
        // Built with --artifacts-path outside the tree: fall back to where the sources were at build time.
        string? built = typeof(FixturePaths).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "Mixtral.Distributed.sln"))) return Path.GetFullPath(built);
        throw new DirectoryNotFoundException($"no Mixtral.Distributed.sln above {AppContext.BaseDirectory}");
    }
}
