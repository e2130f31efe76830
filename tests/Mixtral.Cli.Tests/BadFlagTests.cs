namespace Mixtral.Cli.Tests;

/// <summary>
/// Issue 8's input holes, through the real program: each bad flag value is refused with one `error:` line naming
/// the flag and the value, exit 2 (a usage error), before any weight is loaded.
/// </summary>
public sealed class BadFlagTests
{
    private static string[] Generate(params string[] extra) => ["generate", "--model", Cli.TinyModel, "--prompt", "x", .. extra];

    public static TheoryData<string[], string> BadSamplingFlags => new()
    {
        // NaN compares false with everything: it used to fall through to greedy decoding.
        { Generate("--temperature", "NaN"), "--temperature must be a finite number >= 0 (0 means greedy), got NaN" },
        { Generate("--temperature", "Infinity"), "--temperature must be a finite number >= 0 (0 means greedy), got Infinity" },
        { Generate("--temperature", "-Infinity"), "--temperature must be a finite number >= 0 (0 means greedy), got -Infinity" },
        { Generate("--temperature", "-0.5"), "--temperature must be a finite number >= 0 (0 means greedy), got -0.5" },
        { Generate("--top-p", "NaN"), "--top-p must be in (0, 1]" },
        { Generate("--top-p", "Infinity"), "--top-p must be in (0, 1]" },
        { Generate("--top-p", "0"), "--top-p must be in (0, 1]" },
        { Generate("--top-p", "-0.1"), "--top-p must be in (0, 1]" },
        { Generate("--top-k", "-1"), "--top-k must be >= 0" },
        { Generate("--top-k", "-2147483648"), "--top-k must be >= 0" },
        { Generate("--repetition-penalty", "NaN"), "--repetition-penalty must be a finite number > 0" },
        { Generate("--repetition-penalty", "Infinity"), "--repetition-penalty must be a finite number > 0" },
        { Generate("--repetition-penalty", "0"), "--repetition-penalty must be a finite number > 0" },
        { Generate("--repetition-penalty", "-1"), "--repetition-penalty must be a finite number > 0" },
        { Generate("--max-new-tokens", "-5"), "--max-new-tokens must be >= 1" },
        { Generate("--max-new-tokens", "-2147483648"), "--max-new-tokens must be >= 1" },
        { Generate("--stop", ""), "--stop" },
        // The prompt "x" is BOS + one piece: 2 + int.MaxValue overflowed an int context check and died mid-generation.
        { Generate("--max-new-tokens", "2147483647"), "+ --max-new-tokens (2147483647) = 2147483649 exceeds the model's context of 4096 tokens" },
        { Generate("--max-new-tokens", "4095"), "prompt (2 tokens) + --max-new-tokens (4095) = 4097 exceeds the model's context of 4096 tokens" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,32000"], "--ids: token id 32000 is outside the vocabulary (0..31999), item 2" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,2147483647"], "--ids: token id 2147483647 is outside the vocabulary" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,-3"], "--ids: \"-3\" is not a token id" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,,2"], "--ids: \"\" is not a token id" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,99999999999"], "--ids: \"99999999999\" is not a token id" },
        { ["generate", "--model", Cli.TinyModel, "--ids", string.Join(',', Enumerable.Repeat("1", 4096))],
            "prompt (4096 tokens) + --max-new-tokens (64) = 4160 exceeds the model's context of 4096 tokens" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1", "--chat"], "--chat applies to --prompt, not to --ids" },
        { ["generate", "--model", Cli.TinyModel, "--prompt", "x", "--ids", "1"], "give exactly one of --prompt TEXT or --ids 1,2,3" },
        { ["generate", "--model", Cli.TinyModel, "--cluster", "127.0.0.1:1", "--prompt", "x"], "--model and --cluster exclude each other" },
    };

    [Theory]
    [MemberData(nameof(BadSamplingFlags))]
    public async Task Bad_generate_flag_is_a_usage_error_naming_it(string[] args, string message) =>
        AssertUsageError(await Cli.RunAsync(args), message);

    public static TheoryData<string[], string> BadNodeFlags => new()
    {
        { Node("--silo-port", "30000", "--gateway-port", "30000"), "--silo-port and --gateway-port are both 30000" },
        { Node("--gateway-port", "70000"), "--gateway-port must be a port number in 1..65535, got 70000" },
        { Node("--silo-port", "0"), "--silo-port must be a port number in 1..65535, got 0" },
        { Node("--silo-port", "-1"), "--silo-port must be a port number in 1..65535, got -1" },
        { Node("--threads", "0"), "--threads must be at least 1, got 0" },
        { Node("--memory", "NaN"), "--memory must be a positive number of GB, got NaN" },
        { Node("--memory", "-4"), "--memory must be a positive number of GB, got -4" },
        { Node("--expert-call-timeout", "NaN"), "--expert-call-timeout must be a positive number of seconds (at most 86400), got NaN" },
        { Node("--expert-call-timeout", "0"), "--expert-call-timeout must be a positive number of seconds (at most 86400), got 0" },
        { Node("--expert-call-timeout", "1e50"), "--expert-call-timeout must be a positive number of seconds (at most 86400), got 1E+50" },
        // Not this machine's: it used to be accepted and advertised in Redis, so every call to this node went elsewhere.
        { Node("--redis", "127.0.0.1:1", "--address", "8.8.8.8"), "--address 8.8.8.8 is not an address of this machine" },
        { Node("--redis", "127.0.0.1:1", "--address", "0.0.0.0"), "--address 0.0.0.0: give the address other nodes reach this one at, not the wildcard" },
        { Node("--redis", "127.0.0.1:1", "--address", "no-such-host.invalid"), "--address no-such-host.invalid" },
    };

    private static string[] Node(params string[] extra) =>
        ["node", "--model", Cli.TinyModel, "--node-name", "a", .. extra];

    [Theory]
    [MemberData(nameof(BadNodeFlags))]
    public async Task Bad_node_flag_is_refused_before_a_port_is_bound(string[] args, string message) =>
        AssertUsageError(await Cli.RunAsync(args), message);

    public static TheoryData<string[], string> BadPlanFlags => new()
    {
        { ["plan", "--model", Cli.TinyModel, "--nodes", "a:coordinator,b:coordinator,c"],
            "--nodes: only one node may be the coordinator (role coordinator or all), got \"a\" (coordinator), \"b\" (coordinator)" },
        { ["plan", "--model", Cli.TinyModel, "--nodes", "a:all,b:coordinator"],
            "--nodes: only one node may be the coordinator (role coordinator or all), got \"a\" (all), \"b\" (coordinator)" },
        { ["plan", "--model", Cli.TinyModel, "--nodes", "a,b,a"], "--nodes: node \"a\" is listed 2 times" },
        { ["plan", "--model", Cli.TinyModel, "--nodes", "a:boss"], "--nodes \"a:boss\"" },
        { ["plan", "--model", Cli.TinyModel, "--nodes", ":experts"], "--nodes: \":experts\" is not NAME or NAME:ROLE" },
        { ["plan", "--model", Cli.TinyModel, "--nodes", ","], "--nodes: give at least one node name" },
    };

    [Theory]
    [MemberData(nameof(BadPlanFlags))]
    public async Task Bad_plan_flag_is_a_usage_error_naming_it(string[] args, string message) =>
        AssertUsageError(await Cli.RunAsync(args), message);

    internal static void AssertUsageError(Mixtral.Cluster.Processes.ProcessResult run, string message, int exitCode = 2)
    {
        Assert.True(run.ExitCode == exitCode, run.ToString());
        var errors = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, run.ToString());
        Assert.Contains(message, errors[0]);
        Assert.DoesNotContain("   at ", run.StdErr); // no stack trace
    }
}
