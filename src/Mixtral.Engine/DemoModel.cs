using Mixtral.Model.Checkpoint;
using Mixtral.Model.Synthesis;
using TorchSharp;

namespace Mixtral.Engine;

/// <summary>
/// The model used when none is given: a small random-weight Mixtral (the `tiny` preset) written once with
/// synth into the user's cache folder, so the first command works on a machine with no model downloaded.
/// </summary>
public static class DemoModel
{
    private const string Preset = "tiny";
    private const ulong Seed = 1234;
    private const string Version = "v1"; // bump when the recipe changes so old caches are rebuilt

    public static string TokenizerAssets => Path.Combine(AppContext.BaseDirectory, "assets", "tokenizer");

    public static string DefaultDirectory
    {
        get
        {
            string? cache = Environment.GetEnvironmentVariable("MIXTRAL_CACHE");
            if (string.IsNullOrEmpty(cache))
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                cache = Path.Combine(string.IsNullOrEmpty(xdg)
                    ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                    : xdg, "mixtral");
            }
            return Path.Combine(cache, $"demo-{Preset}-{Version}");
        }
    }

    /// <summary>Returns the demo model folder, building it first if it is not there (and saying so on <paramref name="log"/>).</summary>
    public static string Ensure(TextWriter log, IProgress<LoadProgress>? progress = null, string? directory = null)
    {
        directory ??= DefaultDirectory;
        string marker = Path.Combine(directory, ".complete");
        if (File.Exists(marker)) return directory;

        log.WriteLine($"no --model given: building the demo model (random weights, preset '{Preset}') once into {directory}");
        string staging = directory + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        SyntheticCheckpoint.Write(staging, SynthPreset.Get(Preset), TokenizerAssets, Seed, torch.ScalarType.BFloat16, progress);
        File.WriteAllText(Path.Combine(staging, ".complete"), $"preset={Preset} seed={Seed}\n");
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.Move(staging, directory); // atomic publish: a crash never leaves a half-written demo model
        }
        catch (IOException) when (File.Exists(marker))
        {
            Directory.Delete(staging, recursive: true); // another process published it first
        }
        return directory;
    }
}
