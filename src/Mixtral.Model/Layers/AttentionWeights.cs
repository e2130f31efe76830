namespace Mixtral.Model.Layers;

/// <summary>The four projections of one attention layer.</summary>
public sealed record AttentionWeights(Linear Q, Linear K, Linear V, Linear O) : IDisposable
{
    public void Dispose()
    {
        Q.Dispose();
        K.Dispose();
        V.Dispose();
        O.Dispose();
    }
}
