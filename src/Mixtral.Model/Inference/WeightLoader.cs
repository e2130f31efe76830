using Mixtral.Model.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Inference;

/// <summary>Loads checkpoint tensors by spec, converted to the compute dtype and placed on the compute device.</summary>
public sealed class WeightLoader(CheckpointReader reader, ScalarType dtype, Device device)
{
    public CheckpointReader Reader => reader;
    public ScalarType DType => dtype;
    public Device Device => device;

    public Tensor Load(TensorSpec spec)
    {
        var loaded = reader.Load(spec, dtype);
        if (loaded.device == device) return loaded;
        var moved = loaded.to(device);
        loaded.Dispose();
        return moved;
    }

    public Tensor Load(string name, params long[] shape) => Load(new TensorSpec(name, shape));
}
