using System.CommandLine;
using Mixtral.Cli.Commands;
using Mixtral.Model;
using Mixtral.Tokenization;
using Mixtral.Tokenization.ChatTemplates;
using Mixtral.Model.Config;

namespace Mixtral.Cli;

/// <summary>
/// The command tree and the one place errors become output: a one-line message naming the problem and a
/// non-zero exit (2 for usage, 1 for everything else); a stack trace only with MIXTRAL_DEBUG=1.
/// </summary>
public static class CliApp
{
    public const int UsageError = 2;
    public const int Failure = 1;

    public static RootCommand Build() => new("Mixtral.Distributed: a Mixtral-8x7B inference engine and expert-parallel cluster")
    {
        GenerateCommand.Create(),
        TraceCommand.Create(),
        TraceRoutingCommand.Create(),
        TokenizeCommand.Create(),
        DetokenizeCommand.Create(),
        SynthCommand.Create(),
        ServeCommand.Create(),
        RunCommand.Create(),
        NodeCommand.Create(),
        PlanCommand.Create(),
        StatsCommand.Create(),
        ClusterCommand.Create(),
        BenchCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            Utf8Arguments.Check(args);
        }
        catch (CliUsageException e)
        {
            return Report(e);
        }
        var root = Build();
        if (args.Length == 0)
        {
            // No command: the list of commands says more than "Required command was not provided".
            await root.Parse("--help").InvokeAsync().ConfigureAwait(false);
            return UsageError;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {FirstError(parsed)}");
            Console.Error.WriteLine($"see '{HelpCommand(parsed)}'");
            return UsageError;
        }
        using var cancel = new CancellationTokenSource();
        // The first Ctrl+C or SIGTERM (docker stop, kill, Kubernetes) stops gracefully: a server finishes the requests in
        // flight first. A second one stops now, as people who press Ctrl+C twice mean.
        void Stop(int exitCodeIfAgain)
        {
            if (!cancel.IsCancellationRequested)
            {
                cancel.Cancel();
                return;
            }
            Console.Error.WriteLine("stopping now");
            Environment.Exit(exitCodeIfAgain);
        }
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; Stop(130); };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(143); });
        try
        {
            // Our own handler below prints one line; System.CommandLine's would print a stack trace.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await parsed.InvokeAsync(invocation, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>
    /// The parse error to show: for `mixtral serv` System.CommandLine lists "Required command was not provided." before
    /// "Unrecognized command or argument 'serv'", and only the second names what was typed.
    /// </summary>
    private static string FirstError(ParseResult parsed) =>
        (parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0]).Message;

    /// <summary>`mixtral --help`, or the help of the (sub)command the arguments reached, e.g. `mixtral node drain --help`.</summary>
    private static string HelpCommand(ParseResult parsed)
    {
        var names = new List<string>();
        for (var c = parsed.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            if (c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        return string.Join(' ', ["mixtral", .. names, "--help"]);
    }

    /// <summary>ArgumentException appends " (Parameter 'x')" and, out of range, a second line: keep the message proper.</summary>
    internal static string OneLine(Exception e)
    {
        string message = e.Message.Split('\n')[0].TrimEnd();
        if (e is ArgumentException { ParamName: string name })
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }
        return message;
    }

    internal static int Report(Exception e)
    {
        var (code, message) = e switch
        {
            CliUsageException or Mixtral.Cluster.Hosting.NodeConfigurationException => (UsageError, e.Message),
            OperationCanceledException => (Failure, "cancelled"),
            ModelFormatException or TokenizerFormatException or ChatTemplateException => (Failure, e.Message),
            // The request's own numbers (prompt + max_new_tokens over the context): the user's input, so a usage error.
            Mixtral.Model.Generation.ContextLengthExceededException c => (UsageError, OneLine(c)),
            ArgumentException a => (Failure, OneLine(a)),
            FileNotFoundException or DirectoryNotFoundException => (Failure, e.Message),
            IOException or UnauthorizedAccessException => (Failure, e.Message),
            Mixtral.Cluster.Contracts.Placement.PlacementPlanException => (Failure, e.Message.Replace("\n  - ", "; ", StringComparison.Ordinal)),
            Mixtral.Client.ClusterUnavailableException => (Failure, e.Message),
            InvalidOperationException when e.InnerException is not null => (Failure, e.Message),
            _ => (Failure, $"{e.GetType().Name}: {e.Message}"),
        };
        Console.Error.WriteLine($"error: {message}");
        if (Environment.GetEnvironmentVariable("MIXTRAL_DEBUG") == "1") Console.Error.WriteLine(e);
        return code;
    }
}
