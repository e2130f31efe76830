using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

/// <summary>The sixteen dot products of four rows of x with four rows of W: row i of x against W rows 0..3 in Ri.</summary>
public readonly record struct Block4x4(Vector128<float> R0, Vector128<float> R1, Vector128<float> R2, Vector128<float> R3);
