using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// Writes each assignment on one line (<c>{"layer":0,"expert":3,"nodes":["b"]}</c>) inside the indented plan,
/// so the real model's 256 entries read as 256 lines rather than 1,800. Reading is the ordinary strict one.
/// </summary>
internal sealed class ExpertAssignmentJsonConverter : JsonConverter<ExpertAssignment>
{
    // A separate shape, so (de)serialising it does not come back to this converter.
    private sealed record Shape(int Layer, int Expert, IReadOnlyList<string> Nodes, IReadOnlyList<double>? Weights = null);

    public override ExpertAssignment Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var shape = JsonSerializer.Deserialize<Shape>(ref reader, options)
                    ?? throw new JsonException("an experts entry is null");
        if (shape.Weights is { } w)
        {
            string where = $"experts entry (layer {shape.Layer}, expert {shape.Expert})";
            if (w.Count != shape.Nodes.Count)
                throw new JsonException($"{where}: weights has {w.Count} entries but nodes has {shape.Nodes.Count}");
            if (w.Any(x => !(x >= 0) || double.IsInfinity(x)))
                throw new JsonException($"{where}: weights must be non-negative numbers");
            if (Math.Abs(w.Sum() - 1) > ExpertAssignment.WeightSumTolerance)
                throw new JsonException($"{where}: weights sum to {w.Sum()}, not 1");
        }
        return new ExpertAssignment(shape.Layer, shape.Expert, shape.Nodes, shape.Weights);
    }

    public override void Write(Utf8JsonWriter writer, ExpertAssignment value, JsonSerializerOptions options)
    {
        string line = JsonSerializer.Serialize(new Shape(value.Layer, value.Expert, value.Nodes, value.Weights), PlacementJson.SingleLine);
        // A raw value gets no line break of its own: supply the one the indented writer would have written.
        string indent = writer.Options.Indented ? "\n" + new string(' ', writer.CurrentDepth * writer.Options.IndentSize) : "";
        writer.WriteRawValue(indent + line, skipInputValidation: true);
    }
}
