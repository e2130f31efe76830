namespace Mixtral.Model.Quantization;

/// <summary>
/// A quantized weight format as the jobs see it: how x is quantized for it and how one W row meets every row of x.
/// Struct type arguments, as with <see cref="Kernels.IWeightFormat"/>: the JIT compiles one copy of each job per format.
/// </summary>
public unsafe interface IQuantFormat
{
    /// <summary>x [T, K] → T rows of <see cref="QuantizedMatrix.ActivationRowLength"/> int16 slots at
    /// <paramref name="codes"/> (and, where the format keeps them apart, one scale per row at <paramref name="scales"/>).</summary>
    static abstract void QuantizeActivations(float* x, int rows, QuantizedMatrix w, short* codes, float* scales);

    /// <summary>output[t·outStride] = x[t] · W[r] for t in 0..T−1, x as <see cref="QuantizeActivations"/> left it.</summary>
    static abstract void Against(QuantizedMatrix w, int r, short* x, float* xs, int t, float* output, long outStride);
}
