namespace Mixtral.Cli.Tests;

/// <summary>
/// A model folder that is the tiny fixture except for the files a test replaces: the rest are symbolic links to the
/// fixture (never copied, never written), so a broken variant costs a few bytes and no time.
/// </summary>
internal sealed class ModelFolderVariant : IDisposable
{
    public ModelFolderVariant(IReadOnlyDictionary<string, byte[]> replaced)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mixtral-variant-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        foreach (string file in Directory.GetFiles(Cli.TinyModel))
        {
            string name = System.IO.Path.GetFileName(file), target = System.IO.Path.Combine(Path, name);
            if (replaced.TryGetValue(name, out var bytes)) File.WriteAllBytes(target, bytes);
            else File.CreateSymbolicLink(target, file);
        }
    }

    public string Path { get; }

    /// <summary>The fixture's file <paramref name="name"/> as text, for a test to edit.</summary>
    public static string FixtureText(string name) => File.ReadAllText(System.IO.Path.Combine(Cli.TinyModel, name));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
