namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Q4"/>: the codes multiplied as stored (q+8, unsigned nibbles) by int8
/// rows of x (<see cref="Q4Activations"/>), a block of 256 weights in integers (<see cref="Q4Kernel"/>).</summary>
public readonly unsafe struct Q4Codes : IQuantFormat
{
    public static void QuantizeActivations(float* x, int rows, QuantizedMatrix w, short* codes, float* scales) =>
        Q4Activations.Quantize(x, rows, w, (byte*)codes);

    public static void Against(QuantizedMatrix w, int r, short* x, float* xs, int t, float* output, long outStride) =>
        Q4Rows.Against(w, r, (byte*)x, t, output, outStride);
}
