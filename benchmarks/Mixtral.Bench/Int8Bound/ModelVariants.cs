using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Experts;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench.Int8Bound;

/// <summary>A model and the checkpoint it was read from, disposed together.</summary>
public sealed class LoadedModel(CheckpointReader reader, MixtralModel model) : IDisposable
{
    public MixtralModel Model => model;

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        model.Dispose();
        reader.Dispose();
    }
}

/// <summary>
/// The models the bound compares, all computing in float32 with float32 attention, routers, norms, embeddings and LM head:
/// the checkpoint as it is, with our engine's own expert formats (<see cref="ModelOptions"/>), or with every expert
/// matrix rewritten in float32 by a rounding rule (<see cref="LoadRounded"/>: fake quantization, bf16 or f16 rounding).
/// </summary>
public static class ModelVariants
{
    public static LoadedModel Load(string folder, MixtralConfig config, ModelOptions options)
    {
        var reader = CheckpointReader.Open(folder);
        return new LoadedModel(reader, MixtralModel.Load(reader, config, options));
    }

    /// <summary>Every expert matrix loaded in float32 and passed through <paramref name="round"/> (in place; it returns
    /// Σ(w' − w)² and Σw²); returns the model and the relative RMS error of all expert weights together.</summary>
    public static (LoadedModel Model, double WeightError) LoadRounded(string folder, MixtralConfig config, Func<Tensor, (double ErrorSquares, double Squares)> round)
    {
        var reader = CheckpointReader.Open(folder);
        var loader = new WeightLoader(reader, ScalarType.Float32, CPU);
        double error = 0, squares = 0;
        var experts = new ExpertWeights[config.NumHiddenLayers][];
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            experts[l] = new ExpertWeights[config.NumLocalExperts];
            for (int e = 0; e < config.NumLocalExperts; e++)
            {
                Linear Load(ExpertMatrix m)
                {
                    var weight = loader.LoadMatrix(TensorNames.Expert(l, e, m), TensorNames.ExpertShape(config, m)).contiguous();
                    var (es, s) = round(weight);
                    error += es;
                    squares += s;
                    return new Linear(weight);
                }
                experts[l][e] = new ExpertWeights(Load(ExpertMatrix.W1), Load(ExpertMatrix.W2), Load(ExpertMatrix.W3));
            }
        }
        var model = MixtralModel.Load(reader, config, new ModelOptions(), new LocalExpertBackend(experts));
        return (new LoadedModel(reader, model), Math.Sqrt(error / squares));
    }

    /// <summary>A rule that adds Gaussian noise of RMS <paramref name="level"/> × the matrix's RMS, in place (seeded, in
    /// managed code: no temporaries): the error an ideal (rate–distortion optimal) quantizer of Gaussian weights leaves is
    /// Gaussian and independent of what it keeps.</summary>
    public static unsafe Func<Tensor, (double, double)> AddNoise(double level, int seed)
    {
        var random = new Random(seed);
        return weight =>
        {
            long n = weight.NumberOfElements;
            float* w = CpuKernels.Pointer(weight);
            double squares = 0, error = 0;
            for (long i = 0; i < n; i++) squares += (double)w[i] * w[i];
            double scale = level * Math.Sqrt(squares / n);
            for (long i = 0; i < n; i++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble(); // Box–Muller
                float noisy = (float)(w[i] + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                double d = (double)noisy - w[i];
                error += d * d;
                w[i] = noisy;
            }
            GC.KeepAlive(weight);
            return (error, squares);
        };
    }

    /// <summary>A rounding rule that casts to a 16-bit float type and back (round to nearest even), in place.</summary>
    public static Func<Tensor, (double, double)> CastThrough(ScalarType narrow) => weight =>
    {
        using var scope = NewDisposeScope();
        var original = weight.to(ScalarType.Float64);
        var rounded = weight.to(narrow).to(ScalarType.Float32);
        weight.copy_(rounded);
        double error = (rounded.to(ScalarType.Float64) - original).square().sum().item<double>();
        return (error, original.square().sum().item<double>());
    };
}
