namespace Mixtral.Model.Kernels;

/// <summary>How many rows of W one chunk of a job takes.</summary>
internal static class ChunkRows
{
    /// <summary>W bytes per chunk: big enough that claiming a chunk (one atomic add) is noise, small enough that the
    /// smallest projections (a few MB) still split into tens of chunks for two or more threads.</summary>
    private const long ChunkBytes = 128 * 1024;

    /// <summary>Rows per chunk for rows of <paramref name="rowBytes"/> bytes: a multiple of the kernel's block
    /// (<paramref name="multiple"/> rows), at least one block, at most all <paramref name="rows"/>.</summary>
    public static int For(long rowBytes, int rows, int multiple) =>
        (int)Math.Min(rows, Math.Max(multiple, ChunkBytes / rowBytes / multiple * multiple));
}
