using System.CommandLine;
using Mixtral.Model.Generation;

namespace Mixtral.Cli.Commands;

/// <summary>The continuous-batching engine's limits (--max-batch-sequences, --max-prefill-tokens, --max-queued-requests), on every command that runs an engine.</summary>
internal sealed class EngineFlags
{
    private static readonly EngineOptions Defaults = new();

    public Option<int?> MaxBatchSequences { get; } = new("--max-batch-sequences")
    {
        Description = $"Sequences decoded together in one step; more wait in the admission queue (default {Defaults.MaxBatchSequences})",
    };

    public Option<int?> MaxPrefillTokens { get; } = new("--max-prefill-tokens")
    {
        Description = $"Prompt tokens fed into one step; a longer prompt is prefilled in chunks of this size beside the running streams (default {Defaults.MaxPrefillTokensPerStep})",
    };

    public Option<int?> MaxQueuedRequests { get; } = new("--max-queued-requests")
    {
        Description = $"Requests waiting for a place in the batch; more are refused as overloaded (default {Defaults.MaxQueuedRequests}; 0 = none wait)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxBatchSequences);
        command.Options.Add(MaxPrefillTokens);
        command.Options.Add(MaxQueuedRequests);
    }

    public EngineOptions Read(ParseResult result)
    {
        var options = new EngineOptions
        {
            MaxBatchSequences = result.GetValue(MaxBatchSequences) ?? Defaults.MaxBatchSequences,
            MaxPrefillTokensPerStep = result.GetValue(MaxPrefillTokens) ?? Defaults.MaxPrefillTokensPerStep,
            MaxQueuedRequests = result.GetValue(MaxQueuedRequests) ?? Defaults.MaxQueuedRequests,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(CliApp.OneLine(e), e);
        }
        return options;
    }
}
