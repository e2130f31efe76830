using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cli.Tests;

/// <summary>Runs the real `mixtral` program (the CLI assembly copied next to the tests) as a child process.</summary>
internal static class Cli
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "mixtral.dll");

    /// <summary>An isolated cache folder, so tests never touch the user's demo model.</summary>
    public static readonly string CacheDir = Path.Combine(Path.GetTempPath(), $"mixtral-cli-tests-{Environment.ProcessId}");

    public static Task<ProcessResult> RunWithInputAsync(string? stdin, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. args], stdin, TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["MIXTRAL_CACHE"] = CacheDir, ["MIXTRAL_DEBUG"] = "0" });

    public static Task<ProcessResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public static string TinyModel => FixturePaths.TinyMixtral;
}
