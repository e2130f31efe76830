namespace Mixtral.Model.Quantization;

/// <summary>
/// How closely a model with quantized experts follows the same model with float experts (<see cref="QuantizationFidelity"/>).
/// Relative RMS errors are RMS(quantized − reference) / RMS(reference).
/// </summary>
/// <param name="ExpertMeanRelativeRms">Each expert's output error on the same random unit-variance rows, averaged over every expert of every layer.</param>
/// <param name="ExpertWorstRelativeRms">The worst single expert.</param>
/// <param name="LogitsRelativeRms">Over every logit the two models produced on the same token sequences (prompts, then the reference's greedy tokens).</param>
/// <param name="RoutingSetAgreement">Share of (layer, token) whose top-k expert set is exactly the reference's.</param>
/// <param name="RoutingChoiceAgreement">Share of the k choices per (layer, token) that the reference also made.</param>
/// <param name="GreedyAgreement">Teacher-forced: share of decode steps whose argmax equals the reference's greedy token, both fed the reference's tokens.</param>
/// <param name="FreeRunMatchingTokens">Free-running greedy generation: tokens equal to the reference's before the first difference, summed over prompts.</param>
/// <param name="Steps">Greedy steps per prompt.</param>
/// <param name="Prompts">Prompts measured.</param>
public sealed record FidelityReport(
    double ExpertMeanRelativeRms,
    double ExpertWorstRelativeRms,
    double LogitsRelativeRms,
    double RoutingSetAgreement,
    double RoutingChoiceAgreement,
    double GreedyAgreement,
    int FreeRunMatchingTokens,
    int Steps,
    int Prompts);
