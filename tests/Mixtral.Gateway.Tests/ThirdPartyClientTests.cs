using System.Text.Json.Nodes;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Clients nobody here wrote (the official openai npm package, @huggingface/inference) against the running server: with
/// greedy settings each gets exactly the single-process engine's continuation of the same prompt.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed class ThirdPartyClientTests(GatewayFixture server)
{
    private const int MaxTokens = 12;
    private const string Prompt = "The capital of France is";
    private static readonly (string Role, string Content)[] Chat = [("user", "Hello!"), ("assistant", "Hi. How can I help?"), ("user", "Name three colours.")];

    private JsonObject Input(string kind) => NpmClients.Input(server, kind, Prompt, Chat, MaxTokens);

    private Task<Model.Generation.GenerationResult> ChatReferenceAsync() =>
        server.ReferenceAsync(server.Tokenizer.EncodeChat([.. Chat.Select(m => new ChatMessage(m.Role, m.Content))]), MaxTokens);

    private Task<Model.Generation.GenerationResult> TextReferenceAsync() => server.ReferenceAsync(server.Tokenizer.Encode(Prompt, addBos: true), MaxTokens);

    [Fact]
    public async Task Openai_chat_completion_is_the_single_process_greedy_continuation()
    {
        var expected = await ChatReferenceAsync();
        var got = await NpmClients.CallAsync(Input("openai-chat"));
        Assert.Equal(expected.Text, (string?)got["text"]);
        Assert.Equal("chat.completion", (string?)got["object"]);
        Assert.Equal(expected.GeneratedIds.Count, (int)got["completionTokens"]!);
        Assert.Equal(expected.FinishReason == Model.Sampling.FinishReason.Length ? "length" : "stop", (string?)got["finish"]);
    }

    [Fact]
    public async Task Openai_streamed_chat_completion_is_the_single_process_greedy_continuation()
    {
        var expected = await ChatReferenceAsync();
        var got = await NpmClients.CallAsync(Input("openai-chat-stream"));
        Assert.Equal(expected.Text, (string?)got["text"]);
        Assert.Equal(expected.FinishReason == Model.Sampling.FinishReason.Length ? "length" : "stop", (string?)got["finish"]);
        Assert.True((int)got["chunks"]! >= 3, $"expected a chunk per token, got {got["chunks"]}");
    }

    [Fact]
    public async Task Openai_completion_is_the_single_process_greedy_continuation()
    {
        var expected = await TextReferenceAsync();
        var got = await NpmClients.CallAsync(Input("openai-completion"));
        Assert.Equal(expected.Text, (string?)got["text"]);
        Assert.Equal(expected.GeneratedIds.Count, (int)got["completionTokens"]!);
    }

    [Fact]
    public async Task Openai_models_list_and_retrieve_name_the_served_model_and_refuse_others()
    {
        var got = await NpmClients.CallAsync(Input("openai-models"));
        Assert.Equal([server.ModelId], got["list"]!.AsArray().Select(i => (string?)i));
        Assert.Equal(server.ModelId, (string?)got["retrieved"]);
        Assert.Equal("model", (string?)got["object"]);
        var missing = got["missing"]!;
        Assert.Equal(404, (int)missing["status"]!);
        Assert.Equal("NotFoundError", (string?)missing["error"]);
        Assert.Equal("model_not_found", (string?)missing["code"]);
    }

    [Fact]
    public async Task Huggingface_text_generation_is_the_single_process_greedy_continuation()
    {
        var expected = await TextReferenceAsync();
        var got = await NpmClients.CallAsync(Input("hf-generate"));
        Assert.Equal(expected.Text, (string?)got["text"]);
        Assert.Equal(expected.GeneratedIds, got["ids"]!.AsArray().Select(i => (int)i!));
    }

    [Fact]
    public async Task Huggingface_text_generation_stream_is_the_single_process_greedy_continuation()
    {
        var expected = await TextReferenceAsync();
        var got = await NpmClients.CallAsync(Input("hf-generate-stream"));
        Assert.Equal(expected.GeneratedIds, got["ids"]!.AsArray().Select(i => (int)i!));
        Assert.Equal(expected.Text, (string?)got["generatedText"]);
    }
}
