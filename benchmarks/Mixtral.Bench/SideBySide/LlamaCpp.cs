using System.Diagnostics;
using System.Text.Json;

namespace Mixtral.Bench.SideBySide;

/// <summary>
/// llama.cpp's own benchmark tools, run as child processes on a GGUF file of the same model: <c>llama-bench</c> for
/// one sequence (tg: decode from an empty context; pp: one prompt) and <c>llama-batched-bench</c> for several sequences
/// decoding together. Both print JSON, which is what is read here.
/// </summary>
public sealed class LlamaCpp(string binDir, int threads)
{
    private string LlamaBench => Path.Combine(binDir, "llama-bench");
    private string BatchedBench => Path.Combine(binDir, "llama-batched-bench");

    public void Check()
    {
        foreach (var tool in new[] { LlamaBench, BatchedBench })
            if (!File.Exists(tool)) throw new ArgumentException($"--llama-bin: no {Path.GetFileName(tool)} in {binDir} (benchmarks/llama-cpp-side-by-side.sh builds it)");
    }

    /// <summary>Decode tokens/s of one sequence, <paramref name="tokens"/> tokens from an empty context (llama-bench tg).</summary>
    public double Decode1(string gguf, int tokens) => LlamaBenchTokensPerSecond(gguf, prompt: 0, generate: tokens);

    /// <summary>Prompt tokens/s for one prompt of <paramref name="tokens"/> tokens (llama-bench pp).</summary>
    public double Prefill(string gguf, int tokens) => LlamaBenchTokensPerSecond(gguf, prompt: tokens, generate: 0);

    /// <summary>
    /// Aggregate decode tokens/s of <paramref name="sequences"/> sequences decoding together, each after a prompt of
    /// <paramref name="prompt"/> tokens (llama-batched-bench's S_TG: generated tokens over the generation time).
    /// </summary>
    public double DecodeN(string gguf, int sequences, int prompt, int tokens)
    {
        string output = Run(BatchedBench, $"-m {gguf} -t {threads} -c {sequences * (prompt + tokens) + 64} -npp {prompt} -ntg {tokens} -npl {sequences} --output-format jsonl");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
        using var json = JsonDocument.Parse(last);
        return json.RootElement.GetProperty("speed_tg").GetDouble();
    }

    /// <summary>The GGUF file's size and llama.cpp's build commit, as llama-bench reports them.</summary>
    public (long ModelBytes, string Commit) Describe(string gguf)
    {
        using var json = JsonDocument.Parse(Run(LlamaBench, $"-m {gguf} -t {threads} -p 0 -n 4 -r 1 -o json"));
        var run = json.RootElement[0];
        return (run.GetProperty("model_size").GetInt64(), run.GetProperty("build_commit").GetString() ?? "?");
    }

    private double LlamaBenchTokensPerSecond(string gguf, int prompt, int generate)
    {
        using var json = JsonDocument.Parse(Run(LlamaBench, $"-m {gguf} -t {threads} -p {prompt} -n {generate} -r 1 -o json"));
        return json.RootElement[0].GetProperty("avg_ts").GetDouble();
    }

    private static string Run(string tool, string arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(tool)} {arguments} exited {process.ExitCode}: {Tail(stderr.Result)}");
        return stdout;
    }

    private static string Tail(string text) => text.Length <= 600 ? text : text[^600..];
}
