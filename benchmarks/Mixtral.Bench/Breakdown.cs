using Mixtral.Model.Inference;

namespace Mixtral.Bench;

/// <summary>Where the time of a decode step goes: <see cref="StepProfiler"/> phases, per step, for one batch size.</summary>
public sealed record Breakdown(int Sequences, int Steps, TimeSpan Total, IReadOnlyDictionary<StepPhase, TimeSpan> Phases, double ExpertsPerLayer)
{
    public TimeSpan PerStep => Total / Steps;
    public TimeSpan PhasePerStep(StepPhase phase) => Phases[phase] / Steps;
}
