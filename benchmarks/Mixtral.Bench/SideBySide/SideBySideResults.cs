using Mixtral.Model.Config;

namespace Mixtral.Bench.SideBySide;

/// <summary>Everything one side-by-side run measured, and the best round of each side per format and figure.</summary>
public sealed record SideBySideResults(MachineInfo Machine, DateTimeOffset Finished, string LoadBefore, string LoadAfter, SideBySideOptions Options,
    MixtralConfig Config, IReadOnlyList<Pairing> Pairings, IReadOnlyDictionary<string, (long ModelBytes, string Commit)> Ggufs, IReadOnlyList<RoundFigures> Figures)
{
    public RoundFigures[] Ours(Pairing p) => [.. Figures.Where(f => f.Side == "ours" && f.Format == p.Ours.Key)];
    public RoundFigures[] Llama(Pairing p) => [.. Figures.Where(f => f.Side == "llama.cpp" && f.Format == p.LlamaFormat)];

    public static double Best(IEnumerable<RoundFigures> rounds, Func<RoundFigures, double> figure) => rounds.Max(figure);

    public double BestBandwidth => Figures.Max(f => Math.Max(f.BandwidthGBps, f.BandwidthAfterGBps));
    public double WorstBandwidth => Figures.Min(f => Math.Min(f.BandwidthGBps, f.BandwidthAfterGBps));

    /// <summary>Our batch-1 floor for a format: the bytes one of our decode steps reads, at a bandwidth sample.</summary>
    public double OurFloor(Pairing p, double bandwidthGBps) => bandwidthGBps * 1e9 / p.Ours.Bytes(Config).Total;

    /// <summary>The floor of a decode step of <see cref="SideBySideOptions.Batch"/> sequences in a format (shared weights
    /// once, the experts its tokens chose, spread evenly) at a bandwidth, tokens/s; the same for both sides where
    /// <see cref="Pairing.SameBytes"/>.</summary>
    public double BatchFloor(Pairing p, double bandwidthGBps) =>
        new BatchFloor(p.Ours.Bytes(Config), Config).TokensPerSecond(Options.Batch, bandwidthGBps);
}
