using System.Text.Json.Nodes;
using Mixtral.Model.Generation;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Per-token log-probabilities through clients nobody here wrote (the official openai npm package,
/// @huggingface/inference): greedy, each token's logprob and its alternatives are the single-process engine's (whose
/// logprobs the model tests hold against log_softmax of transformers' logits), in each API's shape.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed class LogprobsClientTests(GatewayFixture server)
{
    private const int MaxTokens = 8;
    private const int Top = 3;
    private const double Tolerance = 1e-4; // the cluster and the reference run the same kernels on the same weights
    private const string Prompt = "The capital of France is";
    private static readonly ChatMessage[] Chat = [new("user", "Name three colours.")];

    private JsonObject Input(string kind)
    {
        var input = NpmClients.Input(server, kind, Prompt, Chat.Select(m => (m.Role, m.Content)), MaxTokens);
        input["top"] = Top;
        return input;
    }

    private Task<List<TokenGenerated>> ChatReferenceAsync() => server.ReferenceTokensAsync(server.Tokenizer.EncodeChat(Chat), MaxTokens, Top);

    private Task<List<TokenGenerated>> TextReferenceAsync() => server.ReferenceTokensAsync(server.Tokenizer.Encode(Prompt, addBos: true), MaxTokens, Top);

    [Theory]
    [InlineData("openai-chat-logprobs")]
    [InlineData("openai-chat-stream-logprobs")]
    public async Task Openai_chat_logprobs_are_the_engine_s(string kind)
    {
        var expected = await ChatReferenceAsync();
        var got = await NpmClients.CallAsync(Input(kind));
        var entries = got["logprobs"]!.AsArray();
        Assert.Equal(expected.Count, entries.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var entry = entries[i]!;
            Assert.Equal(server.Tokenizer.TokenText(expected[i].TokenId), (string?)entry["token"]);
            Assert.Equal(server.Tokenizer.TokenBytes(expected[i].TokenId).Select(b => (int)b), entry["bytes"]!.AsArray().Select(b => (int)b!));
            Assert.Equal(expected[i].Logprobs!.Logprob, (double)entry["logprob"]!, Tolerance);
            var top = entry["top_logprobs"]!.AsArray();
            Assert.Equal(Top, top.Count);
            for (int k = 0; k < Top; k++)
            {
                Assert.Equal(server.Tokenizer.TokenText(expected[i].Logprobs!.Top[k].TokenId), (string?)top[k]!["token"]);
                Assert.Equal(expected[i].Logprobs!.Top[k].Logprob, (double)top[k]!["logprob"]!, Tolerance);
            }
            Assert.True((double)top[0]!["logprob"]! <= 0 && (double)entry["logprob"]! <= (double)top[0]!["logprob"]! + Tolerance);
        }
    }

    [Fact]
    public async Task Openai_completion_logprobs_are_the_engine_s_in_the_legacy_shape()
    {
        var expected = await TextReferenceAsync();
        var got = await NpmClients.CallAsync(Input("openai-completion-logprobs"));
        var logprobs = got["logprobs"]!;
        var tokens = logprobs["tokens"]!.AsArray().Select(t => (string?)t).ToList();
        Assert.Equal(expected.Select(t => server.Tokenizer.TokenText(t.TokenId)), tokens);
        Assert.Equal(expected.Count, logprobs["token_logprobs"]!.AsArray().Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Logprobs!.Logprob, (double)logprobs["token_logprobs"]![i]!, Tolerance);
            var alternatives = logprobs["top_logprobs"]![i]!.AsObject();
            foreach (var a in expected[i].Logprobs!.Top)
                Assert.Equal(a.Logprob, (double)alternatives[server.Tokenizer.TokenText(a.TokenId)]!, Tolerance);
        }
        // text_offset: where the text each token released starts in the completion text (the engine's own stream of
        // text pieces; the first token's leading space is not in the text, so its string is one longer than its piece).
        var offsets = logprobs["text_offset"]!.AsArray().Select(o => (int)o!).ToList();
        var pieces = expected.Select(t => t.Text).ToList();
        Assert.Equal(string.Concat(pieces), (string?)got["text"]);
        for (int i = 0, at = 0; i < offsets.Count; at += pieces[i].Length, i++) Assert.Equal(at, offsets[i]);
    }

    [Fact]
    public async Task Huggingface_details_carry_each_token_s_logprob_and_top_tokens()
    {
        var expected = await TextReferenceAsync();
        var got = await NpmClients.CallAsync(Input("hf-generate-logprobs"));
        var tokens = got["tokens"]!.AsArray();
        Assert.Equal(expected.Select(t => t.TokenId), tokens.Select(t => (int)t!["id"]!));
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(expected[i].Logprobs!.Logprob, (double)tokens[i]!["logprob"]!, Tolerance);
        var top = got["topTokens"]!.AsArray();
        Assert.Equal(expected.Count, top.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(expected[i].Logprobs!.Top.Select(a => a.TokenId), top[i]!.AsArray().Select(a => (int)a!["id"]!));
    }
}
