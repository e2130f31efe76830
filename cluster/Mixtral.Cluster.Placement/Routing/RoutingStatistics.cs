using System.Text.Json;
using System.Text.Json.Serialization;
using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// What the tokens of a trace (or a window of serving steps) chose, as counts:
/// <see cref="Load"/>[l][e] tokens routed to expert e of layer l;
/// <see cref="NextLayer"/>[l][i][j] tokens that chose i at layer l and j at layer l+1 (inter-layer affinity, ExFlow's);
/// <see cref="Pairs"/>[l][i][j] tokens that chose i and j together at layer l (symmetric, zero diagonal): what a
/// coordinator-centric cluster saves a call on when both live on one node.
/// JSON (snake_case) is the <c>--stats FILE</c> input of <c>mixtral plan</c>.
/// </summary>
public sealed record RoutingStatistics(
    int Layers,
    int Experts,
    int ExpertsPerToken,
    long Tokens,
    long[][] Load,
    long[][][] NextLayer,
    long[][][] Pairs)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Load of one layer as fractions of that layer's routed rows (sums to 1; uniform when nothing was seen).</summary>
    public double[] LoadShare(int layer)
    {
        long total = Load[layer].Sum();
        return total == 0 ? Enumerable.Repeat(1.0 / Experts, Experts).ToArray() : Load[layer].Select(x => (double)x / total).ToArray();
    }

    /// <summary>max/mean of the expert loads of one layer: 1 is uniform, top-k of E caps it at E/k.</summary>
    public double ExpertImbalance(int layer)
    {
        double mean = Load[layer].Average();
        return mean == 0 ? 1 : Load[layer].Max() / mean;
    }

    /// <summary>P(expert j at layer l+1 | expert i at layer l) ÷ P(j at l+1): 1 means no affinity.</summary>
    public double NextLayerLift(int layer, int i, int j)
    {
        double given = Load[layer][i] == 0 ? 0 : (double)NextLayer[layer][i][j] / Load[layer][i];
        double marginal = Tokens == 0 ? 0 : (double)Load[layer + 1][j] / Tokens;
        return marginal == 0 ? 0 : given / marginal;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Parses statistics, naming <paramref name="source"/> and the field that is wrong.</summary>
    public static RoutingStatistics FromJson(string json, string source)
    {
        RoutingStatistics stats;
        try
        {
            stats = JsonSerializer.Deserialize<RoutingStatistics>(json, Json) ?? throw new FormatException($"{source}: the statistics are null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not routing statistics ({e.Message})", e);
        }
        stats.Validate(source);
        return stats;
    }

    public static RoutingStatistics LoadFile(string path) =>
        File.Exists(path) ? FromJson(File.ReadAllText(path), path) : throw new FileNotFoundException($"routing statistics {path} not found", path);

    /// <summary>Refuses statistics of another model shape than the plan's.</summary>
    public void RequireShape(ModelIdentity model, string source)
    {
        if (Layers != model.NumHiddenLayers || Experts != model.NumLocalExperts)
            throw new PlacementPlanException(
                $"{source}: statistics are for {Layers} layers × {Experts} experts, the model has {model.NumHiddenLayers} × {model.NumLocalExperts}");
    }

    private void Validate(string source)
    {
        if (Layers <= 0) throw new FormatException($"{source}: layers must be positive, got {Layers}");
        if (Experts <= 0) throw new FormatException($"{source}: experts must be positive, got {Experts}");
        if (ExpertsPerToken <= 0 || ExpertsPerToken > Experts)
            throw new FormatException($"{source}: experts_per_token must be in 1..{Experts}, got {ExpertsPerToken}");
        if (Tokens < 0) throw new FormatException($"{source}: tokens must not be negative");
        Matrix(Load, Layers, Experts, source, "load");
        if (NextLayer.Length != Math.Max(0, Layers - 1))
            throw new FormatException($"{source}: next_layer has {NextLayer.Length} layers, expected {Layers - 1}");
        for (int l = 0; l < NextLayer.Length; l++) Matrix(NextLayer[l], Experts, Experts, source, $"next_layer[{l}]");
        if (Pairs.Length != Layers) throw new FormatException($"{source}: pairs has {Pairs.Length} layers, expected {Layers}");
        for (int l = 0; l < Layers; l++) Matrix(Pairs[l], Experts, Experts, source, $"pairs[{l}]");
    }

    private static void Matrix(long[][] m, int rows, int columns, string source, string field)
    {
        if (m.Length != rows) throw new FormatException($"{source}: {field} has {m.Length} rows, expected {rows}");
        for (int r = 0; r < rows; r++)
        {
            if (m[r].Length != columns) throw new FormatException($"{source}: {field}[{r}] has {m[r].Length} entries, expected {columns}");
            if (m[r].Any(x => x < 0)) throw new FormatException($"{source}: {field}[{r}] has a negative count");
        }
    }
}
