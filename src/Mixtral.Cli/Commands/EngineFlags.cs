using System.CommandLine;
using Mixtral.Model.Generation;

namespace Mixtral.Cli.Commands;

/// <summary>The continuous-batching engine's limits (--max-batch-sequences, --max-prefill-tokens), on every command that runs an engine.</summary>
internal sealed class EngineFlags
{
    private static readonly EngineOptions Defaults = new();

    public Option<int?> MaxBatchSequences { get; } = new("--max-batch-sequences")
    {
        Description = $"Sequences decoded together in one step; more wait in the admission queue (default {Defaults.MaxBatchSequences})",
    };

    public Option<int?> MaxPrefillTokens { get; } = new("--max-prefill-tokens")
    {
        Description = $"Prompt tokens admitted into one step, so a long prompt does not stall running streams for long (default {Defaults.MaxPrefillTokensPerStep})",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxBatchSequences);
        command.Options.Add(MaxPrefillTokens);
    }

    public EngineOptions Read(ParseResult result)
    {
        var options = new EngineOptions
        {
            MaxBatchSequences = result.GetValue(MaxBatchSequences) ?? Defaults.MaxBatchSequences,
            MaxPrefillTokensPerStep = result.GetValue(MaxPrefillTokens) ?? Defaults.MaxPrefillTokensPerStep,
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
