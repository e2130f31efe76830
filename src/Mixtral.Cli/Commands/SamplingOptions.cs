using System.CommandLine;
using Mixtral.Model.Sampling;

namespace Mixtral.Cli.Commands;

/// <summary>
/// The sampling flags. Greedy unless asked otherwise (as TGI): --temperature T > 0 samples; --top-k / --top-p
/// given alone sample at temperature 1.
/// </summary>
internal sealed class SamplingOptions
{
    private readonly Option<int> _maxNewTokens = new("--max-new-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 64 };
    private readonly Option<double?> _temperature = new("--temperature") { Description = "Sampling temperature; 0 = greedy (default)" };
    private readonly Option<int?> _topK = new("--top-k") { Description = "Keep only the K most likely tokens" };
    private readonly Option<double?> _topP = new("--top-p") { Description = "Keep the smallest set of tokens whose probability reaches P" };
    private readonly Option<double> _repetitionPenalty = new("--repetition-penalty") { Description = "Penalty for tokens already present (1 = off)", DefaultValueFactory = _ => 1.0 };
    private readonly Option<ulong?> _seed = new("--seed") { Description = "Seed that makes sampling reproducible" };
    private readonly Option<string[]> _stop = new("--stop") { Description = "Stop when this text appears (repeatable); it is not included in the output", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        command.Options.Add(_maxNewTokens);
        command.Options.Add(_temperature);
        command.Options.Add(_topK);
        command.Options.Add(_topP);
        command.Options.Add(_repetitionPenalty);
        command.Options.Add(_seed);
        command.Options.Add(_stop);
    }

    public SamplingParams Read(ParseResult result)
    {
        double? temperature = result.GetValue(_temperature);
        // Checked before the mapping below: NaN compares false with everything, so it would otherwise mean greedy.
        if (temperature is double t && !(double.IsFinite(t) && t >= 0))
            throw new CliUsageException($"--temperature must be a finite number >= 0 (0 means greedy), got {t.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        int? topK = result.GetValue(_topK);
        double? topP = result.GetValue(_topP);
        bool sample = temperature is > 0 || (temperature is null && (topK is not null || topP is not null));
        var parameters = new SamplingParams
        {
            DoSample = sample,
            Temperature = temperature is > 0 ? temperature.Value : 1.0,
            TopK = topK ?? 0,
            TopP = topP ?? 1.0,
            RepetitionPenalty = result.GetValue(_repetitionPenalty),
            Seed = result.GetValue(_seed),
            MaxNewTokens = result.GetValue(_maxNewTokens),
            StopSequences = result.GetValue(_stop) ?? [],
        };
        try
        {
            parameters.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(FlagMessage(CliApp.OneLine(e)), e);
        }
        return parameters;
    }

    /// <summary>Validation names API fields (top_p); on the command line the user typed flags (--top-p).</summary>
    private static string FlagMessage(string message)
    {
        foreach (var (field, flag) in new[] { ("max_new_tokens", "--max-new-tokens"), ("temperature", "--temperature"), ("top_k", "--top-k"),
                     ("top_p", "--top-p"), ("repetition_penalty", "--repetition-penalty"), ("stop_sequences", "--stop") })
            if (message.StartsWith(field, StringComparison.Ordinal)) return flag + message[field.Length..];
        return message;
    }
}
