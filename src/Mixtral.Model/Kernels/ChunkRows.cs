namespace Mixtral.Model.Kernels;

/// <summary>How many rows of W one chunk of a job takes.</summary>
internal static class ChunkRows
{
    /// <summary>W bytes per chunk: each chunk is one sequential stream of W for the thread that claims it, and every jump
    /// to another chunk makes the hardware prefetchers start over and ends the kernel's next-block prefetch; yet small
    /// enough that a few-MB projection still splits into several chunks per thread. `mid` decode steps with 128 KB,
    /// 256 KB, 512 KB and 1 MB alternated step by step in one process (2-core EPYC, two runs): 8 sequences 106 / 101 /
    /// 96 / 97 ms and 89 / 80 / 78 / 75 ms, 16 sequences 119 / 123 / 105 / 104 and 110 / 102 / 100 / 98, 4 sequences
    /// 82 / 80 / 80 / 79 and 64 / 59 / 58 / 56, 1 sequence level.</summary>
    private const long ChunkBytes = 512 * 1024;

    /// <summary>Rows per chunk for rows of <paramref name="rowBytes"/> bytes: a multiple of the kernel's block
    /// (<paramref name="multiple"/> rows), at least one block, at most all <paramref name="rows"/>.</summary>
    public static int For(long rowBytes, int rows, int multiple) =>
        (int)Math.Min(rows, Math.Max(multiple, ChunkBytes / rowBytes / multiple * multiple));
}
