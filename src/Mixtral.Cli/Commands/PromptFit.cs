using Mixtral.Model.Config;

namespace Mixtral.Cli.Commands;

/// <summary>
/// A prompt checked against the model before any weight is loaded: ids the vocabulary does not have and a request
/// longer than the context are the user's input, so they are usage errors (exit 2) naming the numbers, found in a
/// second rather than after minutes of loading.
/// </summary>
internal static class PromptFit
{
    public static void Check(IReadOnlyList<int> promptIds, int maxNewTokens, MixtralConfig config, string promptFlag)
    {
        for (int i = 0; i < promptIds.Count; i++)
            if (promptIds[i] < 0 || promptIds[i] >= config.VocabSize)
                throw new CliUsageException(
                    $"{promptFlag}: token id {promptIds[i]} is outside the vocabulary (0..{config.VocabSize - 1}), item {i + 1}");
        long total = (long)promptIds.Count + maxNewTokens; // long: --max-new-tokens may be int.MaxValue
        if (total > config.MaxPositionEmbeddings)
            throw new CliUsageException(
                $"prompt ({promptIds.Count} tokens) + --max-new-tokens ({maxNewTokens}) = {total} exceeds the model's context of " +
                $"{config.MaxPositionEmbeddings} tokens (max_position_embeddings in config.json)");
    }
}
