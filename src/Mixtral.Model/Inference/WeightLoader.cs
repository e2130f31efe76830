using Mixtral.Model.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Inference;

/// <summary>
/// Loads checkpoint tensors by spec, converted to the compute dtype (weight matrices: to <paramref name="matrixDType"/>,
/// by default the compute dtype too) and placed on the compute device.
/// </summary>
public sealed class WeightLoader(CheckpointReader reader, ScalarType dtype, Device device, ScalarType? matrixDType = null)
{
    public CheckpointReader Reader => reader;
    public ScalarType DType => dtype;
    public ScalarType MatrixDType => matrixDType ?? dtype;
    public Device Device => device;

    public Tensor Load(TensorSpec spec) => Load(spec, dtype);

    public Tensor Load(string name, params long[] shape) => Load(new TensorSpec(name, shape));

    /// <summary>A weight matrix (a <see cref="Layers.Linear"/>'s weight), in <see cref="MatrixDType"/>.</summary>
    public Tensor LoadMatrix(string name, params long[] shape) => Load(new TensorSpec(name, shape), MatrixDType);

    private Tensor Load(TensorSpec spec, ScalarType target)
    {
        var loaded = reader.Load(spec, target);
        if (loaded.device == device) return loaded;
        var moved = loaded.to(device);
        loaded.Dispose();
        return moved;
    }
}
