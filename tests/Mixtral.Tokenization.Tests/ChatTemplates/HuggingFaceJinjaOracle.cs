using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>
/// Hugging Face's own JavaScript Jinja (<c>@huggingface/jinja</c>, what transformers.js renders chat templates
/// with; it applies trim_blocks and lstrip_blocks like transformers) as an independent oracle. Installed once with
/// npm into a folder under the system temp directory, never into the repository; MIXTRAL_JINJA_ORACLE_DIR names
/// another folder. When Node.js or the npm registry is not there, <see cref="Unavailable"/> says why and the tests fail saying so.
/// </summary>
internal static class HuggingFaceJinjaOracle
{
    private const string Package = "@huggingface/jinja@0.5.11";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<(string? Folder, string? Problem)> Installed = new(Install);

    private const string RenderScript = """
        const { Template } = require('@huggingface/jinja');
        let input = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', d => { input += d; });
        process.stdin.on('end', () => {
          const out = JSON.parse(input).map(c => {
            try { return { rendered: new Template(c.template).render(c.variables) }; }
            catch (e) { return { error: String(e && e.message) }; }
          });
          process.stdout.write(JSON.stringify(out));
        });
        """;

    /// <summary>Why the oracle cannot run here, or null when it can.</summary>
    public static string? Unavailable => Installed.Value.Problem;

    /// <summary>Renders each conversation with <paramref name="template"/>: the text, or the error message it raised.</summary>
    public static IReadOnlyList<(string? Rendered, string? Error)> Render(
        string template, IReadOnlyList<IReadOnlyList<ChatMessage>> conversations, string bosToken, string eosToken)
    {
        string folder = Installed.Value.Folder ?? throw new InvalidOperationException(Unavailable);
        var input = new JsonArray(conversations.Select(messages => (JsonNode)new JsonObject
        {
            ["template"] = template,
            ["variables"] = new JsonObject
            {
                ["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
                ["bos_token"] = bosToken,
                ["eos_token"] = eosToken,
                ["add_generation_prompt"] = false,
            },
        }).ToArray());
        (int exitCode, string output, string errors) = Run("node", ["render.cjs"], folder, input.ToJsonString(), RenderTimeout);
        if (exitCode != 0) throw new InvalidOperationException($"node render.cjs in {folder} exited with {exitCode}: {errors}");
        return JsonNode.Parse(output)!.AsArray()
            .Select(r => (r!["rendered"]?.GetValue<string>(), r["error"]?.GetValue<string>()))
            .ToList();
    }

    private static (string?, string?) Install()
    {
        string folder = Environment.GetEnvironmentVariable("MIXTRAL_JINJA_ORACLE_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "mixtral-jinja-oracle-0.5.11");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "render.cjs"), RenderScript);
            if (File.Exists(Path.Combine(folder, "node_modules", "@huggingface", "jinja", "package.json"))) return (folder, null);
            (int exitCode, _, string errors) = Run("npm", ["install", "--prefix", folder, Package, "--no-audit", "--no-fund", "--silent"], folder, "", InstallTimeout);
            return exitCode == 0 ? (folder, null) : (null, $"npm install {Package} failed ({exitCode}): {errors}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or TimeoutException)
        {
            return (null, $"{Package} cannot be installed or run here: {e.Message}");
        }
    }

    private static (int ExitCode, string Output, string Errors) Run(string program, string[] arguments, string folder, string input, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        using Process process = Process.Start(start) ?? throw new IOException($"{program} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return (process.ExitCode, output.Result, errors.Result);
    }
}
