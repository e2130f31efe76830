using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Malformed and out-of-range requests, each answered 4xx with a JSON error in the route's API shape that names the
/// field at fault; after each, the server still generates.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed class MalformedRequestTests(GatewayFixture server)
{
    private const string Chat = "/v1/chat/completions";
    private const string Completions = "/v1/completions";
    private const string Generate = "/generate";
    private const string GenerateStream = "/generate_stream";
    private const string AnyField = "*"; // a syntax error: the message says where, no single field is at fault

    private static string ChatWith(string fields) => $$"""{"messages":[{"role":"user","content":"hi"}],"max_tokens":2{{fields}}}""";
    private static string ChatMessages(string messages) => $$"""{"messages":{{messages}},"max_tokens":2}""";
    private static string TgiWith(string parameters) => """{"inputs":"hi","parameters":{""" + parameters + "}}";

    /// <summary>name → (route, body, status, field).</summary>
    private static readonly Dictionary<string, (string Path, byte[] Body, int Status, string Field)> Cases = new()
    {
        ["not json"] = (Chat, Utf8("not json"), 400, "body"),
        ["truncated json"] = (Chat, Utf8("""{"messages": ["""), 400, AnyField),
        ["array body"] = (Chat, Utf8("[]"), 400, "body"),
        ["null body"] = (Chat, Utf8("null"), 400, "body"),
        ["empty body"] = (Chat, [], 400, "body"),
        ["messages missing"] = (Chat, Utf8("""{"max_tokens":2}"""), 400, "messages"),
        ["messages empty"] = (Chat, Utf8(ChatMessages("[]")), 400, "messages"),
        ["messages a string"] = (Chat, Utf8(ChatMessages("\"hi\"")), 400, "messages"),
        ["message null"] = (Chat, Utf8(ChatMessages("[null]")), 400, "messages[0]"),
        ["role missing"] = (Chat, Utf8(ChatMessages("""[{"content":"hi"}]""")), 400, "messages[0].role"),
        ["unknown role"] = (Chat, Utf8(ChatMessages("""[{"role":"wizard","content":"hi"}]""")), 400, "messages[0].role"),
        ["role a number"] = (Chat, Utf8(ChatMessages("""[{"role":5,"content":"hi"}]""")), 400, "messages[0].role"),
        ["content missing"] = (Chat, Utf8(ChatMessages("""[{"role":"user"}]""")), 400, "messages[0].content"),
        ["content a number"] = (Chat, Utf8(ChatMessages("""[{"role":"user","content":5}]""")), 400, "messages[0].content"),
        ["content an image"] = (Chat, Utf8(ChatMessages("""[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]""")), 400, "messages[0].content[0]"),
        ["max_tokens negative"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}"""), 400, "max_tokens"),
        ["max_tokens zero"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}"""), 400, "max_tokens"),
        ["max_tokens a string"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":"ten"}"""), 400, "max_tokens"),
        ["max_tokens fractional"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}"""), 400, "max_tokens"),
        ["max_tokens over the context"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":99999999}"""), 422, "max_tokens"),
        ["max_tokens beyond int"] = (Chat, Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":1e20}"""), 400, "max_tokens"),
        ["two different max tokens"] = (Chat, Utf8(ChatWith(""","max_completion_tokens":3""")), 400, "max_completion_tokens"),
        ["temperature negative"] = (Chat, Utf8(ChatWith(""","temperature":-0.5""")), 400, "temperature"),
        ["temperature a string"] = (Chat, Utf8(ChatWith(""","temperature":"hot" """)), 400, "temperature"),
        ["top_p zero"] = (Chat, Utf8(ChatWith(""","top_p":0""")), 400, "top_p"),
        ["top_p above one"] = (Chat, Utf8(ChatWith(""","top_p":1.5""")), 400, "top_p"),
        ["top_p negative"] = (Chat, Utf8(ChatWith(""","top_p":-1""")), 400, "top_p"),
        ["top_k negative"] = (Chat, Utf8(ChatWith(""","top_k":-3""")), 400, "top_k"),
        ["repetition_penalty zero"] = (Chat, Utf8(ChatWith(""","repetition_penalty":0""")), 400, "repetition_penalty"),
        ["seed negative"] = (Chat, Utf8(ChatWith(""","seed":-5""")), 400, "seed"),
        ["seed a string"] = (Chat, Utf8(ChatWith(""","seed":"x" """)), 400, "seed"),
        ["n two"] = (Chat, Utf8(ChatWith(""","n":2""")), 400, "n"),
        ["n zero"] = (Chat, Utf8(ChatWith(""","n":0""")), 400, "n"),
        ["stop a number"] = (Chat, Utf8(ChatWith(""","stop":5""")), 400, "stop"),
        ["stop empty string"] = (Chat, Utf8(ChatWith(""","stop":[""]""")), 400, "stop"),
        ["stop item a number"] = (Chat, Utf8(ChatWith(""","stop":["a",1]""")), 400, "stop[1]"),
        ["too many stops"] = (Chat, Utf8(ChatWith(""","stop":[""" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"s{i}\"")) + "]")), 400, "stop"),
        ["unknown model"] = (Chat, Utf8(ChatWith(""","model":"gpt-4" """)), 404, "model"),
        ["model a number"] = (Chat, Utf8(ChatWith(""","model":7""")), 400, "model"),
        ["stream a string"] = (Chat, Utf8(ChatWith(""","stream":"yes" """)), 400, "stream"),
        ["streamed with n two"] = (Chat, Utf8(ChatWith(""","stream":true,"n":2""")), 400, "n"),
        ["prompt missing"] = (Completions, Utf8("""{"max_tokens":2}"""), 400, "prompt"),
        ["prompt a number"] = (Completions, Utf8("""{"prompt":5,"max_tokens":2}"""), 400, "prompt"),
        ["prompt empty list"] = (Completions, Utf8("""{"prompt":[],"max_tokens":2}"""), 400, "prompt"),
        ["two prompts"] = (Completions, Utf8("""{"prompt":["a","b"],"max_tokens":2}"""), 400, "prompt"),
        ["prompt id outside the vocabulary"] = (Completions, Utf8("""{"prompt":[1,999999],"max_tokens":2}"""), 400, "prompt[1]"),
        ["prompt empty"] = (Completions, Utf8("""{"prompt":"","max_tokens":2}"""), 400, "prompt"),
        ["echo"] = (Completions, Utf8("""{"prompt":"hi","max_tokens":2,"echo":true}"""), 400, "echo"),
        // OpenAI fields not implemented here: a value that would change the answer is refused, never silently ignored.
        ["presence_penalty"] = (Chat, Utf8(ChatWith(""","presence_penalty":0.5""")), 400, "presence_penalty"),
        ["frequency_penalty"] = (Chat, Utf8(ChatWith(""","frequency_penalty":-1""")), 400, "frequency_penalty"),
        ["logit_bias"] = (Chat, Utf8(ChatWith(""","logit_bias":{"50":5}""")), 400, "logit_bias"),
        ["top_logprobs without logprobs"] = (Chat, Utf8(ChatWith(""","top_logprobs":3""")), 400, "top_logprobs"),
        ["top_logprobs above 20"] = (Chat, Utf8(ChatWith(""","logprobs":true,"top_logprobs":21""")), 400, "top_logprobs"),
        ["logprobs a string"] = (Chat, Utf8(ChatWith(""","logprobs":"yes" """)), 400, "logprobs"),
        ["json mode"] = (Chat, Utf8(ChatWith(""","response_format":{"type":"json_object"}""")), 400, "response_format"),
        ["tools"] = (Chat, Utf8(ChatWith(""","tools":[{"type":"function","function":{"name":"f"}}]""")), 400, "tools"),
        ["tool_choice required"] = (Chat, Utf8(ChatWith(""","tool_choice":"required" """)), 400, "tool_choice"),
        ["audio out"] = (Chat, Utf8(ChatWith(""","modalities":["text","audio"]""")), 400, "modalities"),
        ["completion logprobs above 5"] = (Completions, Utf8("""{"prompt":"hi","max_tokens":2,"logprobs":6}"""), 400, "logprobs"),
        ["tgi top_n_tokens above 20"] = (Generate, Utf8(TgiWith("\"top_n_tokens\":21")), 400, "parameters.top_n_tokens"),
        ["completion best_of"] = (Completions, Utf8("""{"prompt":"hi","max_tokens":2,"best_of":3}"""), 400, "best_of"),
        ["completion suffix"] = (Completions, Utf8("""{"prompt":"hi","max_tokens":2,"suffix":"end"}"""), 400, "suffix"),
        ["tgi inputs missing"] = (Generate, Utf8("""{"parameters":{"max_new_tokens":2}}"""), 400, "inputs"),
        ["tgi inputs empty"] = (Generate, Utf8("""{"inputs":""}"""), 400, "inputs"),
        ["tgi inputs a number"] = (Generate, Utf8("""{"inputs":5}"""), 400, "inputs"),
        ["tgi max_new_tokens zero"] = (Generate, Utf8(TgiWith("\"max_new_tokens\":0")), 400, "parameters.max_new_tokens"),
        ["tgi max_new_tokens over the context"] = (Generate, Utf8(TgiWith("\"max_new_tokens\":100000")), 422, "parameters.max_new_tokens"),
        ["tgi temperature zero"] = (Generate, Utf8(TgiWith("\"temperature\":0")), 400, "parameters.temperature"),
        ["tgi top_p above one"] = (Generate, Utf8(TgiWith("\"top_p\":2")), 400, "parameters.top_p"),
        ["tgi best_of two"] = (Generate, Utf8(TgiWith("\"best_of\":2")), 400, "parameters.best_of"),
        ["tgi truncate"] = (Generate, Utf8(TgiWith("\"truncate\":10")), 400, "parameters.truncate"),
        ["tgi parameters a string"] = (Generate, Utf8("""{"inputs":"hi","parameters":"fast"}"""), 400, "parameters"),
        ["tgi stream with inputs missing"] = (GenerateStream, Utf8("""{"parameters":{"max_new_tokens":2}}"""), 400, "inputs"),
        ["tgi stream with seed negative"] = (GenerateStream, Utf8(TgiWith("\"seed\":-1")), 400, "parameters.seed"),
        ["invalid utf-8"] = (Generate, [.. Utf8("""{"inputs":" """), 0xFF, 0xFE, .. Utf8("\"}")], 400, AnyField),
        ["oversized body"] = (Generate, Utf8($$"""{"inputs":"{{new string('a', 2 << 20)}}"}"""), 413, "body"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Fact]
    public void There_are_at_least_forty_cases() => Assert.True(Cases.Count >= 40, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Is_answered_4xx_in_the_api_shape_naming_the_field_and_the_server_still_serves(string name)
    {
        var (path, body, status, field) = Cases[name];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // A large body is sent as careful clients send one: after the server's "100 Continue". Without it the server's 413
        // can arrive (and Kestrel close the connection) while the client is still writing, and the client sees a broken
        // pipe instead of the answer: a race of the test, not a property of the server.
        request.Headers.ExpectContinue = body.Length > 1 << 20;
        using var response = await server.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!;
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal); // never a stack trace
        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            Assert.False(string.IsNullOrEmpty((string?)error["error"]!["message"]), text);
            Assert.NotNull((string?)error["error"]!["type"]);
            if (field != AnyField) Assert.Equal(field, (string?)error["error"]!["param"]);
        }
        else
        {
            string message = (string?)error["error"] ?? "";
            Assert.False(string.IsNullOrEmpty(message), text);
            Assert.NotNull((string?)error["error_type"]);
            if (field != AnyField) Assert.Contains(field, message, StringComparison.Ordinal);
        }

        using var after = await server.Http.PostAsync(new Uri(Generate, UriKind.Relative),
            new StringContent("""{"inputs":"still there?","parameters":{"max_new_tokens":1}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    /// <summary>What SDKs and frameworks send by default for the fields this server does not implement: accepted, and the
    /// answer is the one the request without them gets (greedy, so token for token).</summary>
    [Theory]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}""",
        ""","presence_penalty":0,"frequency_penalty":0,"logit_bias":{},"logprobs":false,"top_logprobs":null,"response_format":{"type":"text"},"tools":[],"tool_choice":"none","modalities":["text"],"user":"u-1","metadata":{"a":"b"},"store":false,"parallel_tool_calls":false""")]
    [InlineData(Completions, """{"prompt":"hi","max_tokens":4}""",
        ""","presence_penalty":0,"frequency_penalty":0,"logit_bias":null,"logprobs":null,"best_of":1,"suffix":null,"user":"u-1" """)]
    public async Task Neutral_values_of_unimplemented_openai_fields_change_nothing(string path, string plain, string neutralFields)
    {
        string withNeutral = plain[..^1] + neutralFields + "}";
        string expected = await AnswerTextAsync(path, plain);
        Assert.Equal(expected, await AnswerTextAsync(path, withNeutral));
    }

    private async Task<string> AnswerTextAsync(string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{body}: {(int)response.StatusCode} {text}");
        var choice = JsonNode.Parse(text)!["choices"]![0]!;
        return (string?)(path == Chat ? choice["message"]!["content"] : choice["text"]) ?? "";
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
