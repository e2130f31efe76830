using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// reference.safetensors (f32 and i32, written by the Python safetensors package) read with the same reader,
/// checked against what reference.json documents about it.
/// </summary>
public class ReferenceFileTests
{
    private static readonly JsonElement ReferenceJson = ReadReferenceJson();

    [Fact]
    public void Every_documented_tensor_has_its_documented_dtype_and_shape()
    {
        using var file = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
        var documented = ReferenceJson.GetProperty("tensors").EnumerateObject().ToList();

        Assert.NotEmpty(documented);
        foreach (var tensor in documented)
        {
            var entry = file.Tensors[tensor.Name];
            string dtype = tensor.Value.GetProperty("dtype").GetString()!;
            Assert.Equal(dtype switch { "float32" => SafetensorsDType.F32, "int32" => SafetensorsDType.I32, _ => throw new InvalidOperationException(dtype) }, entry.DType);
            Assert.Equal(tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), entry.Shape);
        }
        Assert.Equal("make_golden_fixture.py", file.Metadata["producer"]);
    }

    [Fact]
    public void Int32_tensors_hold_the_token_ids_reference_json_lists()
    {
        using var file = SafetensorsFile.Open(FixturePaths.ReferenceTensors);

        foreach (var prompt in ReferenceJson.GetProperty("prompts").EnumerateArray())
        {
            int index = prompt.GetProperty("index").GetInt32();
            foreach (string field in new[] { "input_ids", "greedy_tokens" })
            {
                using var ids = file.Read($"prompt{index}.{field}");
                Assert.Equal(ScalarType.Int32, ids.dtype);
                Assert.Equal(prompt.GetProperty(field).EnumerateArray().Select(t => t.GetInt32()), ids.data<int>().ToArray());
            }
        }
    }

    [Fact]
    public void Int32_tensor_converts_to_int64_on_request()
    {
        using var file = SafetensorsFile.Open(FixturePaths.ReferenceTensors);
        var expected = ReferenceJson.GetProperty("prompts")[0].GetProperty("input_ids").EnumerateArray().Select(t => t.GetInt64());

        using var ids = file.Read("prompt0.input_ids", ScalarType.Int64);

        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(expected, ids.data<long>().ToArray());
    }

    [Fact]
    public void Float32_tensor_equals_its_raw_bytes()
    {
        const string name = "prompt1.logits";
        var raw = RawSafetensors.Open(FixturePaths.ReferenceTensors);
        using var file = SafetensorsFile.Open(FixturePaths.ReferenceTensors);

        using var logits = file.Read(name);

        Assert.Equal(raw.Shape(name), logits.shape);
        ExactFloats.AssertBitwiseEqual(ExactFloats.FromFloat32(raw.Bytes(name)), logits.data<float>().ToArray());
    }

    private static JsonElement ReadReferenceJson()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FixturePaths.ReferenceJson));
        return doc.RootElement.Clone();
    }
}
