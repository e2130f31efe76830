using TorchSharp;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// Writes one safetensors file byte for byte as the Python <c>safetensors</c> package does (same layout order,
/// same header JSON, padded to 8 bytes). Tensors may be of any dtype with a safetensors name (f32, f16, bf16,
/// i32, i64, ...), on any device, contiguous or not.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, torch.Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var builder = new SafetensorsFileBuilder(path + ".spill.tmp");
        foreach (var (name, tensor) in tensors) builder.Add(name, tensor);
        builder.WriteTo(path, metadata);
    }
}
