namespace Mixtral.Cluster.Placement.Workloads;

/// <summary>One request of a workload: when it arrives (seconds from the start) and how long its prompt and answer are.</summary>
public sealed record WorkloadRequest(int Index, double ArrivalSeconds, int PromptTokens, int OutputTokens);

/// <summary>
/// What a placement benchmark sends (<c>--workload FILE</c>): <see cref="Requests"/> requests with prompt and output
/// lengths drawn from distributions, at most <see cref="Concurrency"/> in flight, arriving as a Poisson process of
/// <see cref="ArrivalRatePerSecond"/> (null: closed loop, a new request as soon as one finishes). Seeded, so every
/// plan in one comparison sees exactly the same requests.
/// </summary>
public sealed record Workload(
    string Name,
    int Requests,
    int Concurrency,
    double? ArrivalRatePerSecond,
    LengthDistribution PromptTokens,
    LengthDistribution OutputTokens,
    int Seed)
{
    public IReadOnlyList<WorkloadRequest> Generate()
    {
        var random = new Random(Seed);
        var requests = new List<WorkloadRequest>(Requests);
        double time = 0;
        for (int i = 0; i < Requests; i++)
        {
            if (ArrivalRatePerSecond is double rate) time += -Math.Log(1 - random.NextDouble()) / rate; // exponential gaps
            requests.Add(new WorkloadRequest(i, time, PromptTokens.Sample(random), OutputTokens.Sample(random)));
        }
        return requests;
    }
}
