using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Tests.Routing;

public sealed class RoutingStatisticsTests
{
    // Two layers, four experts, top-2; three tokens. Counts below are worked out by hand from these lines.
    private const string Trace = """
        {"prompt": 0, "position": 0, "layer": 0, "experts": [1, 0], "weights": [0.7, 0.3]}
        {"prompt": 0, "position": 0, "layer": 1, "experts": [2, 3], "weights": [0.6, 0.4]}
        {"prompt": 0, "position": 1, "layer": 0, "experts": [1, 2], "weights": [0.5, 0.5]}
        {"prompt": 0, "position": 1, "layer": 1, "experts": [2, 0], "weights": [0.9, 0.1]}
        {"prompt": 1, "position": 0, "layer": 1, "experts": [3, 2], "weights": [0.8, 0.2]}
        {"prompt": 1, "position": 0, "layer": 0, "experts": [0, 1], "weights": [0.55, 0.45]}
        """;

    private static RoutingStatistics FromTrace() =>
        RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Read(new StringReader(Trace), "t.jsonl"), experts: 4);

    [Fact]
    public void Statistics_count_tokens_per_expert_pairs_within_a_layer_and_choices_across_consecutive_layers()
    {
        var s = FromTrace();
        Assert.Equal((2, 4, 2, 3L), (s.Layers, s.Experts, s.ExpertsPerToken, s.Tokens));
        Assert.Equal([2L, 3, 1, 0], s.Load[0]);
        Assert.Equal([1L, 0, 3, 2], s.Load[1]);
        // Layer 0 pairs: {1,0} twice, {1,2} once.
        Assert.Equal(2, s.Pairs[0][0][1]);
        Assert.Equal(2, s.Pairs[0][1][0]);
        Assert.Equal(1, s.Pairs[0][1][2]);
        Assert.Equal(0, s.Pairs[0][0][0]);
        // Expert 1 at layer 0 (all three tokens) is followed by 2 three times, 3 twice, 0 once.
        Assert.Equal([1L, 0, 3, 2], s.NextLayer[0][1]);
        // Expert 2 at layer 0 (token 2 only) is followed by 2 and 0.
        Assert.Equal([1L, 0, 1, 0], s.NextLayer[0][2]);
        Assert.Equal(3.0 / 1.5, s.ExpertImbalance(0), 9);
        // P(2 at l1 | 1 at l0) = 3/3, P(2 at l1) = 3/3 → no lift.
        Assert.Equal(1.0, s.NextLayerLift(0, 1, 2), 9);
    }

    [Fact]
    public void Steps_accumulate_the_same_statistics_as_the_tokens_of_a_trace()
    {
        var builder = new RoutingStatisticsBuilder(2, 4, 2);
        builder.AddStep([[1, 0, 1, 2], [2, 3, 2, 0]]);
        builder.AddStep([[0, 1], [3, 2]]);
        var fromSteps = builder.Build();
        var fromTrace = FromTrace();
        Assert.Equal(fromTrace.ToJson(), fromSteps.ToJson());
    }

    [Fact]
    public void Statistics_round_trip_through_json()
    {
        var s = FromTrace();
        string json = s.ToJson();
        Assert.Contains("\"experts_per_token\":2", json, StringComparison.Ordinal);
        Assert.Equal(json, RoutingStatistics.FromJson(json, "s.json").ToJson());
    }

    [Theory]
    [InlineData("\"load\":[[2,3,1,0],[1,0,3,2]]", "\"load\":[[2,3,1],[1,0,3,2]]", "s.json: load[0] has 3 entries, expected 4")]
    [InlineData("\"experts_per_token\":2", "\"experts_per_token\":9", "s.json: experts_per_token must be in 1..4, got 9")]
    [InlineData("\"tokens\":3", "\"tokens\":3,\"tokenz\":1", "s.json: not routing statistics")]
    public void Bad_statistics_are_refused_naming_the_field(string from, string to, string message)
    {
        string json = FromTrace().ToJson().Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(FromTrace().ToJson(), json);
        var e = Assert.Throws<FormatException>(() => RoutingStatistics.FromJson(json, "s.json"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [1, 1], \"weights\": [0.5, 0.5]}", "t.jsonl:1: experts lists an expert twice")]
    [InlineData("{\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [1, 2], \"weights\": [1]}", "t.jsonl:1: weights has 1 entries but experts has 2")]
    [InlineData("{\"prompt\": -1, \"position\": 0, \"layer\": 0, \"experts\": [1], \"weights\": [1]}", "t.jsonl:1: prompt must be a non-negative integer")]
    [InlineData("{\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [1], \"weights\": [1], \"x\": 1}", "t.jsonl:1: unknown field \"x\"")]
    public void Bad_trace_lines_are_refused_naming_the_line_and_field(string line, string message)
    {
        var e = Assert.Throws<FormatException>(() => RoutingTraceFile.Read(new StringReader(line), "t.jsonl").ToList());
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_token_missing_a_layer_is_refused()
    {
        string trace = string.Join('\n', Trace.Split('\n').Where(l => !l.Contains("\"prompt\": 1, \"position\": 0, \"layer\": 1", StringComparison.Ordinal)));
        var e = Assert.Throws<FormatException>(() => FromTraceText(trace));
        Assert.Contains("prompt 1 position 0 has layers 0, expected 0..1", e.Message, StringComparison.Ordinal);
    }

    private static RoutingStatistics FromTraceText(string text) =>
        RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Read(new StringReader(text), "t.jsonl"), experts: 4);
}
