namespace Mixtral.Model.Kernels;

/// <summary>How many rows of x a <see cref="Dot512Kernel.Block{TW, TN}"/> (or q4) pass takes: a struct type argument, so the
/// JIT compiles one copy per count with the unused rows' loads and FMAs removed.</summary>
public interface IRowCount
{
    static abstract int Count { get; }
}

public readonly struct TwoRowsOfX : IRowCount
{
    public static int Count => 2;
}

public readonly struct ThreeRowsOfX : IRowCount
{
    public static int Count => 3;
}

public readonly struct FourRowsOfX : IRowCount
{
    public static int Count => 4;
}

public readonly struct FiveRowsOfX : IRowCount
{
    public static int Count => 5;
}

public readonly struct SixRowsOfX : IRowCount
{
    public static int Count => 6;
}
