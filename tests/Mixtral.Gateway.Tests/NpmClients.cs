using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// The official OpenAI Node.js client and Hugging Face's JavaScript inference client (its last TGI-native major,
/// which posts to an endpoint URL in TGI's shape), installed once with npm into a folder under the system temp
/// directory (never the repository), and a script that calls the server with them. A test fails, never skips,
/// when they cannot be installed.
/// </summary>
internal static class NpmClients
{
    private static readonly string[] Packages = ["openai@6.49.0", "@huggingface/inference@2.8.1"];
    private static readonly Lazy<string> Installed = new(Install);

    /// <summary>Runs Clients/call.cjs with <paramref name="input"/>; its JSON answer.</summary>
    /// <param name="environment">Extra variables for node (NODE_EXTRA_CA_CERTS for a server with a test certificate).</param>
    public static async Task<JsonNode> CallAsync(JsonObject input, IReadOnlyDictionary<string, string>? environment = null)
    {
        string folder = Installed.Value;
        (int exitCode, string output, string errors) = await RunAsync("node", [Path.Combine(AppContext.BaseDirectory, "Clients", "call.cjs")], folder, input.ToJsonString(), TimeSpan.FromMinutes(1), environment);
        Assert.True(exitCode == 0, $"node call.cjs {input["kind"]} failed ({exitCode}): {errors}");
        return JsonNode.Parse(output)!;
    }

    /// <summary>The call script's input for a call of kind <paramref name="kind"/> to <paramref name="server"/>.</summary>
    public static JsonObject Input(GatewayFixture server, string kind, string prompt, IEnumerable<(string Role, string Content)> messages, int maxTokens) => new()
    {
        ["kind"] = kind,
        ["baseUrl"] = server.BaseAddress.ToString().TrimEnd('/'),
        ["model"] = server.ModelId,
        ["prompt"] = prompt,
        ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
        ["maxTokens"] = maxTokens,
    };

    private static string Install()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mixtral-gateway-clients-" + string.Join('-', Packages).Replace('/', '_').Replace('@', '_'));
        Directory.CreateDirectory(folder);
        // require() looks in node_modules beside the script's folder chain and NODE_PATH; the script is run with cwd here.
        if (Packages.All(p => Directory.Exists(Path.Combine(folder, "node_modules", p[..p.LastIndexOf('@')])))) return folder;
        (int exitCode, _, string errors) = RunAsync("npm", ["install", "--prefix", folder, .. Packages, "--no-audit", "--no-fund", "--silent"], folder, "", TimeSpan.FromMinutes(3)).GetAwaiter().GetResult();
        if (exitCode != 0) throw new InvalidOperationException($"npm install {string.Join(' ', Packages)} failed ({exitCode}): {errors}");
        return folder;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, string[] arguments, string folder, string input, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
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
        start.Environment["NODE_PATH"] = Path.Combine(folder, "node_modules");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new IOException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return (process.ExitCode, await output, await errors);
    }
}
