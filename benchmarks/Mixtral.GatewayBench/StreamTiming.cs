namespace Mixtral.GatewayBench;

/// <summary>One streamed request as the client saw it: when it started, when each token arrived.</summary>
public sealed record StreamTiming(double StartMs, double FirstTokenMs, IReadOnlyList<double> GapsMs, int Tokens, double EndMs);
