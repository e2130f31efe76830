using System.Runtime.InteropServices;
using Mixtral.Model.Kernels;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// OMP_WAIT_POLICY reaches native code (what OpenMP reads when LibTorch loads it), and a value the user set is kept.
/// One test: the variable is process-wide state, restored at the end.
/// </summary>
public sealed partial class LibTorchThreadsTests
{
    [Fact]
    public void Sets_passive_for_native_code_and_children_unless_the_user_chose()
    {
        string? original = Environment.GetEnvironmentVariable(LibTorchThreads.Variable);
        try
        {
            Unset();
            LibTorchThreads.PreferSleepingWaits();
            Assert.Equal("PASSIVE", Environment.GetEnvironmentVariable(LibTorchThreads.Variable));
            Assert.Equal("PASSIVE", NativeValue());

            Environment.SetEnvironmentVariable(LibTorchThreads.Variable, "ACTIVE");
            _ = SetNative(LibTorchThreads.Variable, "ACTIVE", 1);
            LibTorchThreads.PreferSleepingWaits();
            Assert.Equal("ACTIVE", Environment.GetEnvironmentVariable(LibTorchThreads.Variable));
            Assert.Equal("ACTIVE", NativeValue());
        }
        finally
        {
            Unset();
            if (original is not null)
            {
                Environment.SetEnvironmentVariable(LibTorchThreads.Variable, original);
                _ = SetNative(LibTorchThreads.Variable, original, 1);
            }
        }
    }

    private static void Unset()
    {
        Environment.SetEnvironmentVariable(LibTorchThreads.Variable, null);
        _ = UnsetNative(LibTorchThreads.Variable);
    }

    private static string? NativeValue() => Marshal.PtrToStringUTF8(GetNative(LibTorchThreads.Variable));

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNative(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetNative(string name);
}
