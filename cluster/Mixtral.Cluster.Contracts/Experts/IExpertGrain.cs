using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.Cluster.Contracts.Experts;

/// <summary>
/// One expert FFN of one layer (one replica of it), keyed by <see cref="ExpertKey"/>'s string form
/// ("L3.E5", "L3.E5.R1"). The coordinator sends it every token row of a step that the router sent to it.
/// </summary>
[Alias("Mixtral.IExpertGrain")]
public interface IExpertGrain : IGrainWithStringKey
{
    /// <summary>Expert(x) = W2(silu(W1 x) ⊙ W3 x) for every row; the result has the same rows, hidden size and dtype.</summary>
    [Alias("Run")]
    Task<HiddenStateBatch> RunAsync(HiddenStateBatch rows);

    [Alias("Describe")]
    Task<ExpertResidency> DescribeAsync();

    /// <summary>Returns the rows unchanged, without touching the weights: measures the wire and the runtime alone.</summary>
    [Alias("Probe")]
    Task<HiddenStateBatch> ProbeAsync(HiddenStateBatch rows);

    /// <summary>Deactivates this copy once idle (a live plan change retiring the old plan's copies); its weights are freed.</summary>
    [Alias("Retire")]
    Task RetireAsync();
}
