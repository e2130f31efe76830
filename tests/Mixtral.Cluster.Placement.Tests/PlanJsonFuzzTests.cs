using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Tests;

/// <summary>
/// Property tests over hostile plan files (CsCheck; hand-written cases are in <see cref="PlacementPlanJsonTests"/> and
/// <see cref="PlanValidatorTests"/>): a valid plan with any field replaced by any JSON value, or its text damaged,
/// is either read and validated, or refused with a <see cref="PlacementPlanException"/> naming the source. A node
/// reads the plan before it starts, so nothing else may escape.
/// </summary>
public sealed class PlanJsonFuzzTests
{
    private const string Source = "fuzz/plan.json";

    private static readonly string Valid = new RoundRobinStrategy().Place(Models.Tiny,
        [new NodeCapacity("coord", NodeRole.Coordinator, 8_000_000_000), new NodeCapacity("e1", NodeRole.Experts), new NodeCapacity("e2", NodeRole.Experts)]).ToJson();

    private static readonly Gen<JsonNode?> Values = Gen.OneOf<JsonNode?>(
        Gen.Int.Select(v => (JsonNode?)v), Gen.Int[-2, 9].Select(v => (JsonNode?)v), Gen.Long.Select(v => (JsonNode?)v),
        Gen.Double.Where(double.IsFinite).Select(v => (JsonNode?)v), Gen.Bool.Select(v => (JsonNode?)v), Gen.Const((JsonNode?)null),
        Gen.String.Select(v => (JsonNode?)v), Gen.Const<JsonNode?>("coord"), Gen.Const<JsonNode?>("e1"), Gen.Const<JsonNode?>("coordinator"),
        Gen.Const<JsonNode?>("all"), Gen.Const<JsonNode?>(new JsonArray()), Gen.Const<JsonNode?>(new JsonArray("e1", "e1")),
        Gen.Const<JsonNode?>(new JsonArray(0.5, -1)), Gen.Const<JsonNode?>(new JsonObject()));

    /// <summary>Every path to a value in the valid plan (objects' fields and arrays' items), to replace one at random.</summary>
    private static readonly string[] Paths = [.. Leaves(JsonNode.Parse(Valid)!, "")];

    private static IEnumerable<string> Leaves(JsonNode node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Leaves(p.Value!, $"{path}/{p.Key}").Prepend($"{path}/{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => Leaves(item!, $"{path}/{i}").Prepend($"{path}/{i}")),
        _ => [],
    };

    private static JsonNode Replace(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        JsonNode parent = root;
        foreach (string part in parts[..^1]) parent = parent is JsonArray a ? a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)]! : parent[part]!;
        if (parent is JsonArray array) array[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        else parent[parts[^1]] = value;
        return root;
    }

    private static void ReadAndValidateOrNamedError(string json)
    {
        try
        {
            var plan = PlacementPlan.FromJson(json, Source);
            var footprint = PlanValidator.Validate(plan, Models.Tiny, Precision.BFloat16, Source);
            // Accepted: then every expert has an owner that is a node of the plan.
            var names = plan.Nodes.Select(n => n.Name).ToHashSet();
            for (int layer = 0; layer < Models.Tiny.NumHiddenLayers; layer++)
                for (int expert = 0; expert < Models.Tiny.NumLocalExperts; expert++)
                    Assert.All(plan.OwnersOf(layer, expert), owner => Assert.Contains(owner, names));
            Assert.NotEmpty(footprint.Nodes);
        }
        catch (PlacementPlanException e)
        {
            Assert.Contains(Source, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Any_value_anywhere_in_a_plan_is_read_or_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[0, Paths.Length - 1], Values).Array[1, 3].Sample(edits =>
        {
            var root = JsonNode.Parse(Valid)!;
            foreach (var (path, value) in edits)
            {
                try { root = Replace(root, Paths[path], value?.DeepClone()); }
                catch (Exception e) when (e is NullReferenceException or InvalidOperationException or ArgumentOutOfRangeException or FormatException) { } // path gone after an earlier edit
            }
            ReadAndValidateOrNamedError(root.ToJsonString());
        }, iter: 1500);
    }

    [Fact]
    public void Damaged_plan_text_is_read_or_refused_naming_the_file()
    {
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Int[0, 20], Gen.Char.Array[0, 3]).Sample((at, cut, insert) =>
            ReadAndValidateOrNamedError(Valid[..at] + new string(insert) + Valid[Math.Min(Valid.Length, at + cut)..]), iter: 800);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Invalid_utf8_in_a_plan_file_is_named(byte[] bad)
    {
        string path = Path.Combine(Path.GetTempPath(), $"plan-utf8-{Guid.NewGuid():N}.json");
        int at = Valid.IndexOf("\"e1\"", StringComparison.Ordinal) + 2; // inside a node name: replaced, it would name another node
        byte[] valid = Encoding.UTF8.GetBytes(Valid);
        File.WriteAllBytes(path, [.. valid[..at], .. bad, .. valid[at..]]);
        try
        {
            var error = Assert.Throws<PlacementPlanException>(() => PlacementPlan.Load(path));
            Assert.StartsWith($"{path}: not valid UTF-8", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"model\": null}")]
    [InlineData("{\"model\": {\"fingerprint\": \"x\", \"num_hidden_layers\": 1, \"num_local_experts\": 1}, \"strategy\": \"s\", \"nodes\": [null], \"experts\": []}")]
    [InlineData("{\"model\": {\"fingerprint\": \"x\", \"num_hidden_layers\": 1, \"num_local_experts\": 1}, \"strategy\": \"s\", \"nodes\": [], \"experts\": [null]}")]
    // Found by the property above: a negative layer made the validator's look-up throw building a grain key.
    [InlineData("{\"model\": {\"fingerprint\": \"x\", \"num_hidden_layers\": 1, \"num_local_experts\": 1}, \"strategy\": \"s\", \"nodes\": [{\"name\": \"a\", \"role\": \"all\"}], \"experts\": [{\"layer\": -1, \"expert\": 0, \"nodes\": [\"b\"]}]}")]
    [InlineData("{\"model\": {\"fingerprint\": \"x\", \"num_hidden_layers\": 1, \"num_local_experts\": 1}, \"strategy\": \"s\", \"nodes\": [{\"name\": \"a\", \"role\": \"all\"}], \"experts\": [{\"layer\": 0, \"expert\": -2147483648, \"nodes\": [\"a\"]}]}")]
    // Found by the property above: a null owner reached the validator as a null reference.
    [InlineData("{\"model\": {\"fingerprint\": \"x\", \"num_hidden_layers\": 1, \"num_local_experts\": 1}, \"strategy\": \"s\", \"nodes\": [{\"name\": \"a\", \"role\": \"all\"}], \"experts\": [{\"layer\": 0, \"expert\": 0, \"nodes\": [\"a\", null]}]}")]
    public void Not_a_plan_is_named(string json)
    {
        var error = Assert.Throws<PlacementPlanException>(() => ReadAndValidateOrThrow(json));
        Assert.Contains(Source, error.Message, StringComparison.Ordinal);
    }

    private static void ReadAndValidateOrThrow(string json) =>
        PlanValidator.Validate(PlacementPlan.FromJson(json, Source), Models.Tiny, Precision.BFloat16, Source);
}
