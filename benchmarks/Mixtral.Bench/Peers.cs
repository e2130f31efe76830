namespace Mixtral.Bench;

/// <summary>Another engine's numbers on the same `mid` model (random weights, 2 threads), measured earlier on this
/// machine type; null where not measured.</summary>
public sealed record Peer(string Name, double? Batch1, double? Batch8, string Note)
{
    /// <summary>From the issue that asked for this benchmark. The llama.cpp floor was 40.8 GB/s of reads.</summary>
    public static IReadOnlyList<Peer> Mid { get; } =
    [
        new("llama.cpp, f32 weights", 37.4, 76.8, "84% of a 40.8 GB/s read floor at batch 1"),
        new("llama.cpp, f16 weights", 62.8, null, "half the bytes per step"),
        new("HF transformers eager, f32", 5.85, 13.3, "13% of the floor at batch 1"),
    ];
}
