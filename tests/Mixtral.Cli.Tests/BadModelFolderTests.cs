using System.Text.Json.Nodes;

namespace Mixtral.Cli.Tests;

/// <summary>
/// Model folders that are wrong in ways an operator meets (a file instead of the folder, an interrupted download,
/// a config.json from another model), through the real program: one `error:` line naming the file and the problem.
/// </summary>
public sealed class BadModelFolderTests
{
    [Fact]
    public async Task A_file_given_as_the_model_folder_is_called_a_file()
    {
        string file = Path.Combine(Cli.TinyModel, "model-00001-of-00002.safetensors");
        var run = await Cli.RunAsync("generate", "--model", file, "--prompt", "x");
        BadFlagTests.AssertUsageError(run, $"model folder {file} is a file, not a folder", exitCode: 1);
    }

    [Fact]
    public async Task An_empty_tokenizer_model_is_named_and_called_empty()
    {
        using var folder = new ModelFolderVariant(new Dictionary<string, byte[]> { ["tokenizer.model"] = [] });
        var run = await Cli.RunWithInputAsync("{\"text\": \"Hi\"}\n", "tokenize", "--model", folder.Path);
        BadFlagTests.AssertUsageError(run, $"{Path.Combine(folder.Path, "tokenizer.model")}: the file is empty (0 bytes), not a sentencepiece model", exitCode: 1);
    }

    [Fact]
    public async Task A_truncated_tokenizer_model_is_named()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Cli.TinyModel, "tokenizer.model"));
        using var folder = new ModelFolderVariant(new Dictionary<string, byte[]> { ["tokenizer.model"] = bytes[..1000] });
        var run = await Cli.RunWithInputAsync("{\"text\": \"Hi\"}\n", "tokenize", "--model", folder.Path);
        BadFlagTests.AssertUsageError(run, Path.Combine(folder.Path, "tokenizer.model"), exitCode: 1);
    }

    [Theory]
    [InlineData("num_hidden_layers", 2, "'model.layers.2.", "config.json's num_hidden_layers is 2 (layers 0-1)")]
    [InlineData("num_local_experts", 4, ".block_sparse_moe.experts.4.", "config.json's num_local_experts is 4 (experts 0-3)")]
    public async Task A_config_declaring_less_than_the_checkpoint_holds_is_refused(string field, int value, string tensor, string message)
    {
        var config = JsonNode.Parse(ModelFolderVariant.FixtureText("config.json"))!.AsObject();
        config[field] = value;
        if (field == "num_local_experts") config["num_experts_per_tok"] = 2;
        using var folder = new ModelFolderVariant(new Dictionary<string, byte[]> { ["config.json"] = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()) });
        var run = await Cli.RunAsync("generate", "--model", folder.Path, "--prompt", "x", "--max-new-tokens", "1");
        BadFlagTests.AssertUsageError(run, message, exitCode: 1);
        Assert.Contains(tensor, run.StdErr); // the tensor the config does not declare is named
    }

    [Theory]
    [InlineData("{\"ids\": [1, 99999]}", "ids[1] is not a token id of this vocabulary (0..31999)")]
    [InlineData("{\"ids\": [-1]}", "ids[0] is not a token id")]
    [InlineData("{\"ids\": [1.5]}", "ids[0] is not a token id")]
    [InlineData("{\"ids\": \"1,2\"}", "missing \\\"ids\\\" array")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"ids\": [1, 2]", "line 1:")]
    public async Task Detokenize_reports_each_bad_line_processes_the_good_ones_and_fails(string bad, string message)
    {
        var run = await Cli.RunWithInputAsync(bad + "\n{\"ids\": [1, 15359]}\n", "detokenize", "--model", Cli.TinyModel);
        Assert.True(run.ExitCode == 1, run.ToString());
        var outputs = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, outputs.Length);
        Assert.Contains(message, outputs[0]);
        Assert.StartsWith("{\"error\":\"line 1:", outputs[0]);
        Assert.Equal("{\"text\":\"Hi\"}", outputs[1]); // the good line after it is still answered
        Assert.Contains("error: 1 input line(s) could not be handled", run.StdErr);
    }
}
