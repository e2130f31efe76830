using System.Text.Json;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class GenerateCommandTests
{
    private static readonly JsonElement Prompt0 = ReferencePrompt(0);

    [Fact]
    public async Task Json_output_has_hugging_faces_greedy_tokens()
    {
        string ids = string.Join(',', Prompt0.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()));
        var run = await Cli.RunAsync("generate", "--model", Cli.TinyModel, "--ids", ids, "--max-new-tokens", "24", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var output = JsonDocument.Parse(run.StdOut);
        var root = output.RootElement;
        Assert.Equal(Prompt0.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()),
            root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("length", root.GetProperty("finish_reason").GetString());
        Assert.Equal(5, root.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(24, root.GetProperty("generated_tokens").GetInt32());
        Assert.True(root.GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Bf16_stored_weights_give_the_same_greedy_tokens()
    {
        // The checkpoint is bf16: keeping its matrices in bf16 and widening them exactly loses nothing.
        string ids = string.Join(',', Prompt0.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()));
        var run = await GenerateJsonAsync("--ids", ids, "--max-new-tokens", "24", "--weights", "bf16");
        Assert.Equal(Prompt0.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()), Ids(run));
    }

    [Fact]
    public async Task Stop_string_truncates_the_text_before_it_and_says_stop()
    {
        var free = await GenerateJsonAsync("--prompt", "Once upon a time", "--max-new-tokens", "24");
        string text = free.GetProperty("text").GetString()!;
        Assert.True(text.Length > 12, $"need some text to cut: \"{text}\"");
        string stop = text.Substring(text.Length / 2, 3);
        int cut = text.IndexOf(stop, StringComparison.Ordinal);

        var stopped = await GenerateJsonAsync("--prompt", "Once upon a time", "--max-new-tokens", "24", "--stop", stop);
        Assert.Equal("stop", stopped.GetProperty("finish_reason").GetString());
        Assert.Equal(text[..cut], stopped.GetProperty("text").GetString());
        Assert.True(stopped.GetProperty("generated_tokens").GetInt32() <= free.GetProperty("generated_tokens").GetInt32());
    }

    [Fact]
    public async Task Streaming_prints_the_same_text_as_json()
    {
        var json = await GenerateJsonAsync("--prompt", "Hello", "--max-new-tokens", "16");
        var stream = await Cli.RunAsync("generate", "--model", Cli.TinyModel, "--prompt", "Hello", "--max-new-tokens", "16");
        Assert.True(stream.ExitCode == 0, stream.ToString());
        Assert.Equal(json.GetProperty("text").GetString() + "\n", stream.StdOut);
        Assert.Contains("[length]", stream.StdErr);
    }

    [Fact]
    public async Task Seed_makes_sampling_reproducible_and_different_seeds_differ()
    {
        string[] args = ["--prompt", "Hello", "--max-new-tokens", "16", "--temperature", "1.5", "--top-k", "50"];
        var a = await GenerateJsonAsync([.. args, "--seed", "7"]);
        var b = await GenerateJsonAsync([.. args, "--seed", "7"]);
        var c = await GenerateJsonAsync([.. args, "--seed", "8"]);
        Assert.Equal(Ids(a), Ids(b));
        Assert.NotEqual(Ids(a), Ids(c));
        Assert.Equal(7UL, a.GetProperty("seed").GetUInt64());
    }

    [Fact]
    public async Task Top_k_one_is_greedy()
    {
        var greedy = await GenerateJsonAsync("--prompt", "Hello", "--max-new-tokens", "12");
        var topK1 = await GenerateJsonAsync("--prompt", "Hello", "--max-new-tokens", "12", "--temperature", "0.8", "--top-k", "1", "--seed", "3");
        Assert.Equal(Ids(greedy), Ids(topK1));
    }

    [Fact]
    public async Task Chat_prompt_uses_the_template()
    {
        var chat = await GenerateJsonAsync("--prompt", "What is the capital of France?", "--chat", "--max-new-tokens", "4");
        Assert.Equal(15, chat.GetProperty("prompt_tokens").GetInt32()); // chat.jsonl chat-1turn: 15 ids
    }

    private static async Task<JsonElement> GenerateJsonAsync(params string[] args)
    {
        var run = await Cli.RunAsync(["generate", "--model", Cli.TinyModel, .. args, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.StdOut).RootElement.Clone();
    }

    private static int[] Ids(JsonElement e) => e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static JsonElement ReferencePrompt(int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        return doc.RootElement.GetProperty("prompts")[index].Clone();
    }
}
