namespace Mixtral.Model.Checkpoint;

/// <summary>
/// The element types a safetensors header can name, under the names the format uses. Declared in the
/// reference implementation's order (increasing alignment): its writer lays tensors out by descending
/// dtype, then by name, and <see cref="SafetensorsWriter"/> does the same to produce identical files.
/// </summary>
public enum SafetensorsDType
{
    BOOL,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}
