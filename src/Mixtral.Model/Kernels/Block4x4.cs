using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

/// <summary>The sixteen dot products of four rows of x with four rows of W: row i of x against W rows 0..3 in Ri.</summary>
public readonly record struct Block4x4(Vector128<float> R0, Vector128<float> R1, Vector128<float> R2, Vector128<float> R3);

/// <summary>The products of up to six rows of x with four rows of W (<see cref="Dot512Kernel.Block{TW, TN}"/>): row i of x
/// against W rows 0..3 in Ri; rows past the block's count are zero.</summary>
public readonly record struct Block4x6(Vector128<float> R0, Vector128<float> R1, Vector128<float> R2, Vector128<float> R3, Vector128<float> R4, Vector128<float> R5)
{
    public Block4x4 FirstFour => new(R0, R1, R2, R3);
}
