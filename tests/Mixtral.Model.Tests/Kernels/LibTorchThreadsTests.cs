using Mixtral.Model.Kernels;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// OMP_WAIT_POLICY reaches native code (what OpenMP reads when LibTorch loads it), and a value the user set is kept.
/// One test: the variable is process-wide state, restored at the end.
/// </summary>
public sealed class LibTorchThreadsTests
{
    [Fact]
    public void Sets_passive_for_native_code_and_children_unless_the_user_chose()
    {
        string? original = Environment.GetEnvironmentVariable(LibTorchThreads.Variable);
        try
        {
            ProcessEnvironment.Set(LibTorchThreads.Variable, null);
            LibTorchThreads.PreferSleepingWaits();
            Assert.Equal("PASSIVE", Environment.GetEnvironmentVariable(LibTorchThreads.Variable));
            Assert.Equal("PASSIVE", ProcessEnvironment.Native(LibTorchThreads.Variable));

            ProcessEnvironment.Set(LibTorchThreads.Variable, "ACTIVE");
            LibTorchThreads.PreferSleepingWaits();
            Assert.Equal("ACTIVE", Environment.GetEnvironmentVariable(LibTorchThreads.Variable));
            Assert.Equal("ACTIVE", ProcessEnvironment.Native(LibTorchThreads.Variable));
        }
        finally
        {
            ProcessEnvironment.Set(LibTorchThreads.Variable, original);
        }
    }
}
