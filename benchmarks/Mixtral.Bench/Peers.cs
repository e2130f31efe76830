namespace Mixtral.Bench;

/// <summary>One row of figures another engine (llama.cpp) reached on the same `mid` model, measured elsewhere.</summary>
public sealed record PeerFigure(string Weights, string Ours, string Peer);

/// <summary>
/// Peer figures measured on another machine at another time, kept apart from this run's numbers: the report prints them
/// in their own table that says where and when, never as a same-machine comparison.
/// </summary>
public static class Peers
{
    public const string Where = "issue 10's measurements: a 2-core AMD EPYC (AVX2, no AVX-512) of this project's machines, the same `mid` preset, 2 threads, " +
        "llama.cpp built from its February 2025 source with its defaults, our engine and llama.cpp run alternately in one session; that session's " +
        "bandwidth test read 55–68 GB/s";

    public static IReadOnlyList<PeerFigure> Batch1 { get; } =
    [
        new("f32 weights", "38–43", "32–42"),
        new("2-byte weights (ours bf16, llama.cpp f16)", "60–67", "54–73"),
        new("8-bit (llama.cpp q8_0)", "—", "106"),
        new("~4.5-bit (llama.cpp q4_K_M)", "—", "133"),
    ];

    public static IReadOnlyList<PeerFigure> Batch8 { get; } =
    [
        new("f32 weights", "87–88", "117"),
        new("2-byte weights", "135–145", "150"),
        new("8-bit (q8_0)", "—", "199"),
        new("~4.5-bit (q4_K_M)", "—", "212"),
    ];

    public static IReadOnlyList<PeerFigure> Prefill128 { get; } =
    [
        new("f32 / 2-byte", "170–215 / 376–393", "197 / 252"),
        new("8-bit / ~4.5-bit", "—", "288 / 352"),
    ];

    /// <summary>The earlier peers this report used to show (an AVX-512 Xeon of this machine type, 40.8 GB/s read bandwidth then).</summary>
    public static IReadOnlyList<(string Engine, double? Batch1, double? Batch8)> Earlier { get; } =
    [
        ("llama.cpp, f32 weights", 37.4, 76.8),
        ("llama.cpp, f16 weights", 62.8, null),
        ("HF transformers eager, f32", 5.85, 13.3),
    ];
}
