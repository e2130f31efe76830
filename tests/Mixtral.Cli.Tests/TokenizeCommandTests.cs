using System.Text.Json;
using System.Text.Json.Nodes;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class TokenizeCommandTests
{
    private static string CorpusPath => Path.Combine(FixturePaths.Tokenizer, "corpus.jsonl");
    private static string ChatPath => Path.Combine(FixturePaths.Tokenizer, "chat.jsonl");

    [Fact]
    public async Task Every_corpus_line_gets_the_mistral_tokenizers_ids()
    {
        var lines = File.ReadAllLines(CorpusPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        string input = string.Join('\n', lines.Select(l => new JsonObject { ["text"] = l["text"]!.GetValue<string>() }.ToJsonString()));
        var run = await Cli.RunWithInputAsync(input, "tokenize", "--model", Cli.TinyModel);
        Assert.True(run.ExitCode == 0, run.ToString());
        var outputs = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Count, outputs.Length);
        for (int i = 0; i < lines.Count; i++)
            Assert.True(lines[i]["ids"]!.ToJsonString() == JsonNode.Parse(outputs[i])!["ids"]!.ToJsonString(), $"line {lines[i]["id"]}");
    }

    [Fact]
    public async Task Add_bos_prepends_id_1()
    {
        var run = await Cli.RunWithInputAsync("{\"text\": \"Hello world!\"}", "tokenize", "--model", Cli.TinyModel, "--add-bos");
        Assert.Equal("{\"ids\":[1,22557,1526,28808]}", run.StdOut.Trim());
    }

    [Fact]
    public async Task Chat_lines_give_prompt_and_ids_or_the_templates_error()
    {
        var cases = File.ReadAllLines(ChatPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        string input = string.Join('\n', cases.Select(c => new JsonObject
        {
            ["messages"] = c["messages"]!.DeepClone(),
            ["add_generation_prompt"] = c["add_generation_prompt"]!.DeepClone(),
        }.ToJsonString()));
        var run = await Cli.RunWithInputAsync(input, "tokenize", "--model", Cli.TinyModel, "--chat");
        Assert.True(run.ExitCode == (cases.Any(c => c["error"] is not null) ? 1 : 0), run.ToString()); // a bad line fails the run
        var outputs = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(o => JsonNode.Parse(o)!.AsObject()).ToList();
        Assert.Equal(cases.Count, outputs.Count);
        for (int i = 0; i < cases.Count; i++)
        {
            if (cases[i]["error"] is JsonNode error)
            {
                Assert.Contains(error.GetValue<string>(), outputs[i]["error"]!.GetValue<string>());
                continue;
            }
            Assert.Equal(cases[i]["rendered"]!.GetValue<string>(), outputs[i]["prompt"]!.GetValue<string>());
            Assert.Equal(cases[i]["ids"]!.ToJsonString(), outputs[i]["ids"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task Bad_lines_get_an_error_and_the_stream_goes_on()
    {
        var run = await Cli.RunWithInputAsync("not json\n{\"txt\": 1}\n{\"text\": \"Hi\"}\n", "tokenize", "--model", Cli.TinyModel);
        Assert.Equal(1, run.ExitCode); // every line answered, and the exit says two were bad
        Assert.Contains("error: 2 input line(s) could not be handled", run.StdErr);
        var outputs = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, outputs.Length);
        Assert.StartsWith("{\"error\":\"line 1:", outputs[0]);
        Assert.Contains("text must be a string", outputs[1]);
        Assert.Equal("{\"ids\":[15359]}", outputs[2]);
    }

    [Fact]
    public async Task Detokenize_reverses_tokenize_on_the_corpus()
    {
        var lines = File.ReadAllLines(CorpusPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        string input = string.Join('\n', lines.Select(l => new JsonObject { ["ids"] = l["ids"]!.DeepClone() }.ToJsonString()));
        var run = await Cli.RunWithInputAsync(input, "detokenize", "--model", Cli.TinyModel);
        Assert.True(run.ExitCode == 0, run.ToString());
        var outputs = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < lines.Count; i++)
            Assert.Equal(lines[i]["decoded"]!.GetValue<string>(), JsonNode.Parse(outputs[i])!["text"]!.GetValue<string>());
    }
}
