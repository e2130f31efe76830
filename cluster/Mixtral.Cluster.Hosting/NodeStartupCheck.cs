using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Serving;
using TorchSharp;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// Everything checked before a node starts, so a bad plan or a wrong model folder stops this node with a
/// message instead of failing requests later: the plan against the model (unowned experts, unknown nodes,
/// budgets, a plan made for another model), and this node against the plan (its name, role and budget).
/// </summary>
public static class NodeStartupCheck
{
    public static NodeSettings Resolve(NodeOptions options)
    {
        var config = ModelFolder.ReadConfig(options.ModelPath);
        var (matrices, experts) = ExpertWeightFormats.ParseWeights(options.Weights);
        var compute = new ModelOptions
        {
            DType = ModelOptions.ParseDType(options.DType),
            Device = ModelOptions.ParseDevice(options.Device),
            WeightDType = matrices,
            ExpertFormat = experts,
        };
        ExpertWeightFormats.CheckDevice(compute);
        var plan = options.PlanPath is null ? SingleNodePlan(config, options) : PlacementPlan.Load(options.PlanPath);
        if (options.PlanPath is null && options.Redis is not null)
            throw new PlacementPlanException("a node joining a multi-node cluster (--redis) needs the cluster's placement plan (--plan FILE)");

        // What the node will hold: the weight matrices dominate, so they decide the sizing dtype.
        var dtype = compute.ExpertFormat switch
        {
            ExpertWeightFormat.Int8 => WeightDType.Int8,
            ExpertWeightFormat.Q4 => WeightDType.Q4,
            _ => compute.MatrixDType == torch.ScalarType.Float32 ? WeightDType.Float32 : WeightDType.BFloat16,
        };
        var footprint = PlanValidator.Validate(plan, config, dtype, options.PlanPath ?? "single-node plan");

        var me = plan.FindNode(options.NodeName) ?? throw new PlacementPlanException(
            $"node \"{options.NodeName}\" is not in the plan (its nodes: {string.Join(", ", plan.Nodes.Select(n => n.Name))})");
        if (options.Role is NodeRole role && role != me.Role)
            throw new PlacementPlanException(
                $"node \"{options.NodeName}\" was started with role {Name(role)} but the plan gives it role {Name(me.Role)}");
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
            WireDType = options.WireDType,
            ExpertCallTimeout = options.ExpertCallTimeout,
            MemoryBudgetBytes = options.MemoryBudgetBytes ?? me.MemoryBudgetBytes,
        };
    }

    /// <summary>The embedded default: one node with every role and every expert.</summary>
    public static PlacementPlan SingleNodePlan(MixtralConfig config, NodeOptions options) =>
        new RoundRobinStrategy().Place(config, [new NodeCapacity(options.NodeName, NodeRole.All, options.MemoryBudgetBytes)]);

    private static string Name(NodeRole role) => role.ToString().ToLowerInvariant();
}
