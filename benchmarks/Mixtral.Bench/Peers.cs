namespace Mixtral.Bench;

/// <summary>Another engine's numbers on the same `mid` model (random weights, 2 threads), measured earlier on this
/// machine type with <paramref name="BandwidthGBps"/> of read bandwidth; null where not measured.</summary>
public sealed record Peer(string Name, double? Batch1, double? Batch8, double BandwidthGBps, string Note)
{
    /// <summary>From the issue that asked for this benchmark: all measured when the machine read at 40.8 GB/s.</summary>
    public static IReadOnlyList<Peer> Mid { get; } =
    [
        new("llama.cpp, f32 weights", 37.4, 76.8, 40.8, "84% of its 40.8 GB/s floor at batch 1"),
        new("llama.cpp, f16 weights", 62.8, null, 40.8, "half the bytes per step"),
        new("HF transformers eager, f32", 5.85, 13.3, 40.8, "13% of the floor at batch 1"),
    ];
}
