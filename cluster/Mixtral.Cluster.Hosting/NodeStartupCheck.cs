using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Experts;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Engine;
using Mixtral.Model.Config;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// Everything checked before a node starts, so a bad setting, plan or model folder stops this node with a message
/// instead of failing requests later: each setting (named by its flag), the plan against the model (unowned
/// experts, unknown nodes, budgets, a plan made for another model), and this node against the plan (its name, role
/// and budget).
/// </summary>
public static class NodeStartupCheck
{
    public const int MaxExpertCallTimeoutSeconds = 86_400;

    public static NodeSettings Resolve(NodeOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ModelPath)) throw Missing("model", "the model folder");
        if (string.IsNullOrWhiteSpace(options.NodeName)) throw Missing("node_name", "this node's name in the plan");
        CheckPort(options.SiloPort, "silo_port");
        CheckPort(options.GatewayPort, "gateway_port");
        if (options.SiloPort == options.GatewayPort)
            throw new NodeConfigurationException($"--silo-port and --gateway-port are both {options.SiloPort}: give them different ports");
        if (options.Redis is not null) NodeAddressCheck.Check(options.Address, options.ListenAny); // before any port is bound
        NodeSecurity.Check(options);
        // Bounded above too: TimeSpan overflows near 9.2e11 s, and a day is already no timeout for one expert call.
        if (!(options.ExpertCallTimeoutSeconds > 0 && options.ExpertCallTimeoutSeconds <= MaxExpertCallTimeoutSeconds))
            throw new NodeConfigurationException(
                $"--expert-call-timeout must be a positive number of seconds (at most {MaxExpertCallTimeoutSeconds}), got {options.ExpertCallTimeoutSeconds}");
        if (options.MemoryGb is double gb && !(gb > 0))
            throw new NodeConfigurationException($"--memory must be a positive number of GB, got {gb}");
        if (options.Threads is < 1) throw new NodeConfigurationException($"--threads must be at least 1, got {options.Threads}");
        var engine = new EngineOptions
        {
            MaxBatchSequences = options.MaxBatchSequences,
            MaxPrefillTokensPerStep = options.MaxPrefillTokens,
            MaxQueuedRequests = options.MaxQueuedRequests,
        };
        var (matrices, experts) = Parse(() => ExpertWeightFormats.ParseWeights(options.Weights));
        var compute = Parse(() => new ModelOptions
        {
            DType = ModelOptions.ParseFloat(options.DType, "--dtype"),
            Device = ModelOptions.ParseDevice(options.Device),
            WeightDType = matrices,
            ExpertFormat = experts,
            QuantizedCacheDirectory = options.QuantizedCache,
        });
        Parse(() => ExpertWeightFormats.CheckDevice(compute));
        var wire = Parse(() => WireDTypeOf(Precisions.Parse(options.WireDType, "--wire-dtype", Precision.Float32, Precision.BFloat16, Precision.Float16)));
        var expertCalls = Parse(() => ExpertCalls(options));
        var network = options.Network is null ? null : Parse(() => Grains.Network.NetworkEmulation.Parse(options.Network, "--network"));
        var device = options.EmulateDevice is null ? null : Parse(() => Grains.Experts.ExpertDeviceEmulation.Parse(options.EmulateDevice, "--emulate-device"));
        NodeRole? requestedRole = options.Role is null ? null : Parse(() => NodeRoles.Parse(options.Role, "--role"));
        Parse(engine.Validate);

        var config = ModelFolder.ReadConfig(options.ModelPath);
        var plan = options.PlanPath is null ? SingleNodePlan(config, options) : PlacementPlan.Load(options.PlanPath);
        if (options.PlanPath is null && options.Redis is not null)
            throw new PlacementPlanException("a node joining a multi-node cluster (--redis) needs the cluster's placement plan (--plan FILE)");

        // What the node will hold: the expert matrices dominate, so their format decides the sizing dtype.
        var dtype = ExpertWeightFormats.SizingPrecision(compute);
        var footprint = PlanValidator.Validate(plan, config, dtype, options.PlanPath ?? "single-node plan");

        if (options.Standby) return Standby(options, plan, compute, engine, wire, expertCalls, network, device);
        var me = plan.FindNode(options.NodeName) ?? throw new PlacementPlanException(
            $"node \"{options.NodeName}\" is not in the plan (its nodes: {string.Join(", ", plan.Nodes.Select(n => n.Name))})");
        if (requestedRole is NodeRole role && role != me.Role)
            throw new PlacementPlanException(
                $"node \"{options.NodeName}\" was started with role {role.Name()} but the plan gives it role {me.Role.Name()}");
        var mine = footprint.Nodes.First(n => n.Node.Name == options.NodeName);
        if (options.MemoryBudgetBytes is long budget && mine.TotalBytes > budget)
            throw new PlacementPlanException(
                $"node \"{options.NodeName}\" would hold {mine.TotalBytes:N0} bytes of weights in {dtype.ShortName()}, over its memory budget of {budget:N0} bytes");

        return new NodeSettings
        {
            NodeName = options.NodeName,
            Role = me.Role,
            ModelPath = options.ModelPath,
            Plan = plan,
            Compute = compute,
            Engine = engine,
            WireDType = wire,
            ExpertCalls = expertCalls,
            MemoryBudgetBytes = options.MemoryBudgetBytes ?? me.MemoryBudgetBytes,
            Network = network,
            EmulatedDevice = device,
        };
    }

    /// <summary>The expert-call resilience settings, checked (a bad one is named by its flag).</summary>
    public static ExpertCallOptions ExpertCalls(NodeOptions options)
    {
        // NaN and infinities would slip through TimeSpan's range checks as odd values; name them here.
        foreach (var (value, flag) in new[] { (options.HedgeFactor, "--hedge-factor"), (options.HedgeMinDelayMs, "--hedge-min-delay-ms"),
            (options.HedgeMaxDelayMs, "--hedge-max-delay-ms"), (options.BreakerFailureRatio, "--breaker-failure-ratio"),
            (options.BreakerBreakSeconds, "--breaker-break-seconds"), (options.BreakerWindowSeconds, "--breaker-window-seconds"),
            (options.StepDeadlineSeconds, "--step-deadline") })
            if (!double.IsFinite(value) || Math.Abs(value) > 1e9) throw new ArgumentException($"{flag} must be a finite number, got {value}");
        var calls = new ExpertCallOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(options.ExpertCallTimeoutSeconds),
            MaxRetries = options.ExpertCallRetries,
            HedgeFactor = options.HedgeFactor,
            HedgeMinDelay = TimeSpan.FromMilliseconds(options.HedgeMinDelayMs),
            HedgeMaxDelay = TimeSpan.FromMilliseconds(options.HedgeMaxDelayMs),
            HedgeWindow = options.HedgeWindow,
            BreakerFailureRatio = options.BreakerFailureRatio,
            BreakerMinimumCalls = options.BreakerMinCalls,
            BreakerSamplingDuration = TimeSpan.FromSeconds(options.BreakerWindowSeconds),
            BreakerBreakDuration = TimeSpan.FromSeconds(options.BreakerBreakSeconds),
            StepDeadline = TimeSpan.FromSeconds(options.StepDeadlineSeconds),
            InPlaceLocalExperts = !options.LocalExpertsViaGrains,
        };
        calls.Validate();
        return calls;
    }

    /// <summary>A standby node: in no plan (so no node places anything on it until a plan node is gone), any role.</summary>
    private static NodeSettings Standby(NodeOptions options, PlacementPlan plan, ModelOptions compute, EngineOptions engine, WireDType wire,
        ExpertCallOptions expertCalls, Grains.Network.NetworkEmulation? network, Grains.Experts.ExpertDeviceEmulation? device)
    {
        if (options.Redis is null)
            throw new NodeConfigurationException("--standby needs a multi-node cluster (--redis and --plan): a single node has no other node to stand in for");
        if (plan.FindNode(options.NodeName) is not null)
            throw new PlacementPlanException(
                $"node \"{options.NodeName}\" is in the plan, so it cannot be a --standby node (a standby node holds nothing until a plan node is gone): give it a name the plan does not use");
        return new NodeSettings
        {
            NodeName = options.NodeName,
            Role = NodeRole.All,
            Standby = true,
            ModelPath = options.ModelPath,
            Plan = plan,
            Compute = compute,
            Engine = engine,
            WireDType = wire,
            ExpertCalls = expertCalls, // a standby may become the coordinator
            MemoryBudgetBytes = options.MemoryBudgetBytes,
            Network = network,
            EmulatedDevice = device,
        };
    }

    /// <summary>The embedded default: one node with every role and every expert.</summary>
    public static PlacementPlan SingleNodePlan(MixtralConfig config, NodeOptions options) =>
        new RoundRobinStrategy().Place(config, [new NodeCapacity(options.NodeName, NodeRole.All, options.MemoryBudgetBytes)]);

    /// <summary>The wire formats hidden states can cross in, from the one set of dtype names.</summary>
    public static WireDType WireDTypeOf(Precision precision) => precision switch
    {
        Precision.Float32 => WireDType.Float32,
        Precision.BFloat16 => WireDType.BFloat16,
        Precision.Float16 => WireDType.Float16,
        _ => throw new ArgumentException($"--wire-dtype: {precision.ShortName()} is not a wire format (f32, bf16, f16)"),
    };

    private static void CheckPort(int port, string key)
    {
        if (port is < 1 or > 65535) throw new NodeConfigurationException($"--{key.Replace('_', '-')} must be a port number in 1..65535, got {port}");
    }

    private static NodeConfigurationException Missing(string key, string what) =>
        new($"--{key.Replace('_', '-')} is required: {what} (flag, config file key {key}, or {NodeConfiguration.EnvironmentPrefix}{key.ToUpperInvariant()})");

    private static T Parse<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new NodeConfigurationException(e.Message, e); }
    }

    private static void Parse(Action validate) => Parse(() => { validate(); return 0; });
}
