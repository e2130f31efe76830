using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

/// <summary>Reads one expert's three matrices from the checkpoint (bf16 on disk, widened exactly to float32) and quantizes
/// each as soon as it is read, so at most one float32 matrix exists at a time; or reads the expert already quantized from
/// a cache folder (<see cref="QuantizedExpertCache"/>) when one is given.</summary>
public static class ExpertQuantizer
{
    public static QuantizedExpert Load(WeightLoader loader, MixtralConfig config, int layer, int expert, ExpertWeightFormat format, string? cacheDirectory = null)
    {
        if (cacheDirectory is null) return Quantize(loader, config, layer, expert, format);
        var loaded = QuantizedExpertCache.Load(loader, config, layer, expert, format, cacheDirectory, out _, out string? problem);
        // Loud, because a cache that is rebuilt at every start is a misconfiguration someone should see.
        if (problem is not null) Console.Error.WriteLine($"warning: quantized expert cache: {problem}; quantized again and replaced");
        return loaded;
    }

    public static QuantizedExpert Quantize(WeightLoader loader, MixtralConfig config, int layer, int expert, ExpertWeightFormat format)
    {
        if (loader.Device.type != DeviceType.CPU)
            throw new ArgumentException($"quantized experts (--weights {format.ShortName()}) run on the CPU kernels; device {loader.Device} is not supported");
        QuantizedMatrix Load(ExpertMatrix m)
        {
            string name = TensorNames.Expert(layer, expert, m);
            using var dense = loader.Reader.Load(new TensorSpec(name, TensorNames.ExpertShape(config, m)), ScalarType.Float32);
            return QuantizedMatrix.Quantize(dense, format, name);
        }
        var w1 = Load(ExpertMatrix.W1);
        var w2 = Load(ExpertMatrix.W2);
        var w3 = Load(ExpertMatrix.W3);
        return new QuantizedExpert(w1, w2, w3);
    }
}
