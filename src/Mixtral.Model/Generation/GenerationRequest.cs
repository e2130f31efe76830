using Mixtral.Model.Sampling;

namespace Mixtral.Model.Generation;

/// <summary>A prompt, already tokenized (with BOS where wanted), and how to continue it.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, SamplingParams Sampling);
