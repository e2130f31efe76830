using Mixtral.Cluster.Processes;

namespace Mixtral.Cli.Tests;

/// <summary>
/// Command-line bytes that are not UTF-8 (a shell in a Latin-1 locale, a script that cut a character in half): .NET
/// would hand the program U+FFFD in their place and the damaged prompt would be generated from. The real program,
/// started by bash so the bytes arrive exactly as typed, refuses them naming the flag, with the usage exit code.
/// </summary>
public sealed class InvalidUtf8ArgumentTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "mixtral.dll");

    /// <summary>Runs `mixtral generate` with <paramref name="promptArgs"/> as bash words (printf escapes give raw bytes).</summary>
    private static Task<ProcessResult> GenerateAsync(string promptArgs) =>
        ProcessRunner.RunAsync("bash", ["-c", $"exec dotnet \"$0\" generate --model \"$1\" --max-new-tokens 1 {promptArgs}", Dll, Cli.TinyModel],
            timeout: TimeSpan.FromMinutes(2), environment: new Dictionary<string, string> { ["MIXTRAL_CACHE"] = Cli.CacheDir });

    [Theory]
    [InlineData("--prompt \"$(printf 'Hi \\xff there')\"", "--prompt: not valid UTF-8 (byte 0xFF at offset 3)")]
    [InlineData("--prompt \"$(printf 'caf\\xc3')\"", "--prompt: not valid UTF-8 (byte 0xC3 at offset 3)")] // a character cut short
    [InlineData("\"--prompt=$(printf '\\xed\\xa0\\x80')\"", "--prompt: not valid UTF-8 (byte 0xED at offset 9)")] // an encoded surrogate
    [InlineData("--prompt Hi --stop \"$(printf '\\xfe')\"", "--stop: not valid UTF-8 (byte 0xFE at offset 0)")]
    public async Task An_argument_that_is_not_utf8_is_refused_naming_its_flag(string promptArgs, string message)
    {
        var run = await GenerateAsync(promptArgs);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {message}; give the text in UTF-8", run.StdErr.Trim());
    }

    [Fact]
    public async Task A_replacement_character_typed_as_utf8_is_a_prompt_like_any_other()
    {
        var run = await GenerateAsync("--prompt \"$(printf 'Hi \\xef\\xbf\\xbd')\" --json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\"finish_reason\"", run.StdOut);
    }
}
