using Mixtral.Model.Config;

namespace Mixtral.Bench.SideBySide;

/// <summary>Everything one side-by-side run measured, and the best round of each side per format and figure.</summary>
public sealed record SideBySideResults(MachineInfo Machine, DateTimeOffset Finished, string LoadBefore, string LoadAfter, SideBySideOptions Options,
    MixtralConfig Config, IReadOnlyList<Pairing> Pairings, IReadOnlyDictionary<string, (long ModelBytes, string Commit)> Ggufs, IReadOnlyList<RoundFigures> Figures)
{
    public RoundFigures[] Ours(Pairing p) => [.. Figures.Where(f => f.Side == "ours" && f.Format == p.Ours.Key)];
    public RoundFigures[] Llama(Pairing p) => [.. Figures.Where(f => f.Side == "llama.cpp" && f.Format == p.LlamaFormat)];

    public static double Best(IEnumerable<RoundFigures> rounds, Func<RoundFigures, double> figure) => rounds.Max(figure);

    public double BestBandwidth => Figures.Max(f => f.BandwidthGBps);
    public double WorstBandwidth => Figures.Min(f => f.BandwidthGBps);

    /// <summary>Our batch-1 floor for a format: the bytes one of our decode steps reads, at the best bandwidth sampled.</summary>
    public double OurFloor(Pairing p) => BestBandwidth * 1e9 / p.Ours.Bytes(Config).Total;
}
