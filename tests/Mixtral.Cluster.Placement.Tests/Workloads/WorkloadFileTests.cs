using Mixtral.Cluster.Placement.Workloads;

namespace Mixtral.Cluster.Placement.Tests.Workloads;

public sealed class WorkloadFileTests
{
    private const string Chat = """
        {"name": "chat", "requests": 2000, "concurrency": 8, "arrival_rate_per_second": 4.0, "seed": 3,
         "prompt_tokens": {"distribution": "lognormal", "median": 200, "sigma": 0.8, "min": 8, "max": 2048},
         "output_tokens": {"distribution": "uniform", "min": 16, "max": 256}}
        """;

    [Fact]
    public void A_workload_file_gives_seeded_requests_with_lengths_in_range_and_poisson_arrivals()
    {
        var w = WorkloadFile.Parse(Chat, "w.json");
        Assert.Equal(("chat", 2000, 8, 4.0), (w.Name, w.Requests, w.Concurrency, w.ArrivalRatePerSecond!.Value));
        var requests = w.Generate();
        Assert.Equal(requests, w.Generate()); // the same requests for every plan compared
        Assert.All(requests, r => Assert.InRange(r.PromptTokens, 8, 2048));
        Assert.All(requests, r => Assert.InRange(r.OutputTokens, 16, 256));
        // Poisson at 4/s: mean gap 0.25 s; lognormal median 200.
        double meanGap = requests[^1].ArrivalSeconds / (requests.Count - 1);
        Assert.InRange(meanGap, 0.23, 0.27);
        var prompts = requests.Select(r => r.PromptTokens).Order().ToArray();
        Assert.InRange(prompts[prompts.Length / 2], 185, 215);
        Assert.InRange(requests.Average(r => r.OutputTokens), 128, 144);
    }

    [Fact]
    public void Without_an_arrival_rate_the_workload_is_a_closed_loop()
    {
        var w = WorkloadFile.Parse("""{"requests": 3, "concurrency": 1, "prompt_tokens": {"distribution": "fixed", "value": 64}, "output_tokens": {"distribution": "fixed", "value": 8}}""", "dir/closed.json");
        Assert.Null(w.ArrivalRatePerSecond);
        Assert.Equal("closed", w.Name);
        Assert.All(w.Generate(), r => Assert.Equal((0.0, 64, 8), (r.ArrivalSeconds, r.PromptTokens, r.OutputTokens)));
    }

    [Theory]
    [InlineData("\"concurrency\": 8", "\"concurrency\": 0", "w.json: concurrency must be an integer ≥ 1, got 0")]
    [InlineData("\"max\": 2048", "\"max\": 4", "w.json: prompt_tokens.max must be ≥ min (8), got 4")]
    [InlineData("\"lognormal\"", "\"zipf\"", "w.json: prompt_tokens.distribution must be \"fixed\", \"uniform\" or \"lognormal\", got \"zipf\"")]
    [InlineData("\"sigma\": 0.8", "\"sigma\": 0.8, \"mode\": 3", "w.json: unknown field prompt_tokens.mode (expected distribution, median, sigma, min, max)")]
    [InlineData("\"arrival_rate_per_second\": 4.0", "\"arrival_rate_per_second\": -1", "w.json: arrival_rate_per_second must be a positive number or null (closed loop)")]
    [InlineData("\"requests\": 2000, ", "", "w.json: requests must be an integer ≥ 1 (missing)")]
    [InlineData("\"seed\": 3", "\"sede\": 3", "w.json: unknown field sede (expected name, requests, concurrency, arrival_rate_per_second, seed, prompt_tokens, output_tokens)")]
    public void A_bad_workload_is_refused_naming_the_field(string from, string to, string message)
    {
        string json = Chat.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Chat, json);
        var e = Assert.Throws<FormatException>(() => WorkloadFile.Parse(json, "w.json"));
        Assert.Equal(message, e.Message);
    }
}
