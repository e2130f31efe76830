using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// Spreads a replicated expert's rows over its live copies in proportion to the plan's load shares
/// (<see cref="ExpertAssignment.Weights"/>), row by row with the simulator's own rule (<see cref="ReplicaSplitter"/>),
/// so the cluster carries the load the plan was made for. Live = not avoided by the per-node breaker; a dead copy's
/// share goes to the live ones. Experts without weights keep the plan's failover order: one call, first live copy.
/// Rows are independent under an expert (SwiGLU per row), so splitting them cannot change what is computed.
/// </summary>
public sealed class ReplicaLoadSplit
{
    private readonly Dictionary<(int Layer, int Expert), ExpertAssignment> _weighted;
    private readonly NodeHealth _health;
    private readonly ReplicaSplitter _splitter = new();
    private readonly Lock _gate = new(); // the splitter is not thread-safe; a layer's calls are made from one thread, but be sure

    public ReplicaLoadSplit(PlacementPlan plan, NodeHealth health)
    {
        _weighted = plan.Experts.Where(a => a.Nodes.Count > 1 && a.Weights is not null).ToDictionary(a => (a.Layer, a.Expert));
        _health = health;
    }

    /// <summary>Whether this expert's rows are spread over its copies by load share (else one copy takes each call).</summary>
    public bool Spreads(int layer, int expert) => _weighted.ContainsKey((layer, expert));

    /// <summary>The rows each copy takes (replica index, row indices in order), or null when one call carries them all.</summary>
    public IReadOnlyList<ReplicaRows>? Split(int layer, int expert, int rows)
    {
        if (rows < 2 || !_weighted.TryGetValue((layer, expert), out var assignment)) return null;
        var perReplica = new List<int>[assignment.Nodes.Count];
        lock (_gate)
        {
            for (int row = 0; row < rows; row++)
            {
                int r = _splitter.Next(assignment, node => !_health.IsAvoided(node));
                if (r < 0) return null; // every copy is being avoided: let the failover order try them all
                (perReplica[r] ??= []).Add(row);
            }
        }
        var parts = new List<ReplicaRows>(perReplica.Length);
        for (int r = 0; r < perReplica.Length; r++)
            if (perReplica[r] is { } taken) parts.Add(new ReplicaRows(r, [.. taken]));
        return parts;
    }

    /// <summary>Single-row calls rotate through the copies too (decode at batch 1 sends one row per expert).</summary>
    public int? ReplicaForOneRow(int layer, int expert)
    {
        if (!_weighted.TryGetValue((layer, expert), out var assignment)) return null;
        lock (_gate)
        {
            int r = _splitter.Next(assignment, node => !_health.IsAvoided(node));
            return r < 0 ? null : r;
        }
    }

    /// <summary>The given rows of <paramref name="batch"/>, in order, as a batch of their own (same dtype, no re-encoding).</summary>
    public static HiddenStateBatch Take(HiddenStateBatch batch, int[] rows)
    {
        int rowBytes = batch.Payload.Length / Math.Max(1, batch.Rows);
        var source = batch.Payload.Span;
        var payload = GC.AllocateUninitializedArray<byte>(rows.Length * rowBytes);
        for (int i = 0; i < rows.Length; i++)
            source.Slice(rows[i] * rowBytes, rowBytes).CopyTo(payload.AsSpan(i * rowBytes, rowBytes));
        return HiddenStateBatch.FromPayload(rows.Length, batch.HiddenSize, batch.DType, payload);
    }

    /// <summary>Puts each copy's answer rows back where its input rows came from.</summary>
    public static HiddenStateBatch Merge(int rows, int hidden, IReadOnlyList<ReplicaRows> parts, IReadOnlyList<HiddenStateBatch> answers)
    {
        var dtype = answers[0].DType;
        int rowBytes = answers[0].Payload.Length / Math.Max(1, answers[0].Rows);
        var payload = GC.AllocateUninitializedArray<byte>(rows * rowBytes);
        for (int p = 0; p < parts.Count; p++)
        {
            var answer = answers[p];
            if (answer.Rows != parts[p].Rows.Length || answer.DType != dtype || answer.HiddenSize != hidden)
                throw new WireFormatException(
                    $"replica {parts[p].Replica} answered {answer.Rows} rows × {answer.HiddenSize} ({answer.DType}) for {parts[p].Rows.Length} rows × {hidden} ({dtype})");
            var source = answer.Payload.Span;
            for (int i = 0; i < parts[p].Rows.Length; i++)
                source.Slice(i * rowBytes, rowBytes).CopyTo(payload.AsSpan(parts[p].Rows[i] * rowBytes, rowBytes));
        }
        return HiddenStateBatch.FromPayload(rows, hidden, dtype, payload);
    }
}

/// <summary>The rows (indices into the expert's batch, ascending) that replica <paramref name="Replica"/> takes.</summary>
public sealed record ReplicaRows(int Replica, int[] Rows);
