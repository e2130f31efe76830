using System.CommandLine;
using Mixtral.Cluster.Hosting;
using Mixtral.Engine;

namespace Mixtral.Cli.Commands;

/// <summary>
/// The flags of the embedded one-node cluster that `run` and `serve` start (ports, wire, compute, engine limits), turned
/// into its <see cref="NodeOptions"/> in one place, so the two commands can never start it differently.
/// </summary>
internal sealed class EmbeddedNodeFlags
{
    private readonly ComputeFlags _compute = new();
    private readonly EngineFlags _engine = new();
    private readonly Option<int?> _siloPort = new("--silo-port") { Description = $"Silo port (default {NodeOptions.DefaultSiloPort})" };
    private readonly Option<int?> _gatewayPort = new("--gateway-port") { Description = $"Orleans gateway port .NET clients connect to (default {NodeOptions.DefaultGatewayPort})" };
    private readonly Option<string?> _wire = new("--wire-dtype") { Description = "Dtype of hidden states between the coordinator and its experts: f32 (default; exact) | bf16 | f16" };
    private readonly Option<bool> _viaGrains = new("--local-experts-via-grains")
    {
        Description = "Call the experts through their grains as a multi-node cluster would (default: the coordinator computes the experts on its own node in place)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_siloPort);
        command.Options.Add(_gatewayPort);
        command.Options.Add(_wire);
        command.Options.Add(_viaGrains);
        _compute.AddTo(command);
        _engine.AddTo(command);
    }

    /// <summary>Reads and checks the flags that need no model first (a bad limit fails before the demo model is built).</summary>
    public Func<ModelFolder, NodeOptions> Read(ParseResult result)
    {
        var limits = _engine.Read(result);
        var defaults = new NodeOptions();
        return folder => defaults with
        {
            ModelPath = folder.Path,
            NodeName = "local",
            SiloPort = result.GetValue(_siloPort) ?? defaults.SiloPort,
            GatewayPort = result.GetValue(_gatewayPort) ?? defaults.GatewayPort,
            Device = _compute.Device(result),
            DType = _compute.DType(result),
            Threads = _compute.Threads(result),
            Weights = _compute.Weights(result),
            QuantizedCache = _compute.QuantizedCache(result),
            WireDType = result.GetValue(_wire) ?? defaults.WireDType,
            LocalExpertsViaGrains = result.GetValue(_viaGrains),
            MaxBatchSequences = limits.MaxBatchSequences,
            MaxPrefillTokens = limits.MaxPrefillTokensPerStep,
            MaxQueuedRequests = limits.MaxQueuedRequests,
        };
    }
}
