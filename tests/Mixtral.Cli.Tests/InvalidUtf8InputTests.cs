using System.Diagnostics;
using System.Text;

namespace Mixtral.Cli.Tests;

/// <summary>
/// Bytes on stdin that are not UTF-8: the line is reported as such (it used to be tokenized with U+FFFD in place of
/// the bad bytes, silently), the lines around it are still answered, and the exit says one was bad.
/// </summary>
public sealed class InvalidUtf8InputTests
{
    private static async Task<(int ExitCode, string[] StdOut, string StdErr)> RunWithBytesAsync(byte[] stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "mixtral.dll"), .. args]) start.ArgumentList.Add(arg);
        start.Environment["MIXTRAL_CACHE"] = Cli.CacheDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries), await stderr);
    }

    private static byte[] Lines(params byte[][] lines) => [.. lines.SelectMany(l => (byte[])[.. l, (byte)'\n'])];

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData(new byte[] { 0xFF }, "byte 0xFF at offset 10")]
    [InlineData(new byte[] { 0xC3 }, "byte 0xC3 at offset 10")] // a lead byte cut short
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "byte 0xED at offset 10")] // an encoded surrogate
    public async Task Tokenize_names_the_line_that_is_not_utf8_and_answers_the_others(byte[] bad, string where)
    {
        var (exit, stdout, stderr) = await RunWithBytesAsync(
            Lines(Text("{\"text\": \"Hi\"}"), [.. Text("{\"text\": \""), .. bad, .. Text("\"}")], Text("{\"text\": \"Hi\"}\r")),
            "tokenize", "--model", Cli.TinyModel);
        Assert.Equal(1, exit);
        Assert.Equal(3, stdout.Length);
        Assert.Equal("{\"ids\":[15359]}", stdout[0]);
        Assert.StartsWith("{\"error\":\"line 2: not valid UTF-8", stdout[1]);
        Assert.Contains(where, stdout[1]);
        Assert.Equal("{\"ids\":[15359]}", stdout[2]); // a CRLF line is read like an LF line
        Assert.Contains("error: 1 input line(s) could not be handled", stderr);
    }

    [Fact]
    public async Task Detokenize_names_the_line_that_is_not_utf8()
    {
        var (exit, stdout, _) = await RunWithBytesAsync(Lines([0xEF, 0xBB, 0xBF, .. Text("{\"ids\": [15359]}")], [0x7B, 0xFE, 0x7D]),
            "detokenize", "--model", Cli.TinyModel);
        Assert.Equal(1, exit);
        Assert.Equal(["{\"text\":\"Hi\"}", "{\"error\":\"line 2: not valid UTF-8 (byte 0xFE at offset 1)\"}"], stdout); // a leading BOM is fine
    }
}
