namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// Tests that flip a process-wide kernel switch (<c>Dot512Kernel.Enabled</c>) run alone: a test elsewhere that compares
/// two results bit for bit would otherwise see one computed with the wide blocks and one without (seen under load).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelSwitchesGroup
{
    public const string Name = "float kernel switches";
}
