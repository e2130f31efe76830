namespace Mixtral.Bench;

/// <summary>Tokens over the wall time they took.</summary>
public sealed record Throughput(int Sequences, int Tokens, TimeSpan Window)
{
    public double TokensPerSecond => Window > TimeSpan.Zero ? Tokens / Window.TotalSeconds : 0;
}
