using System.Runtime.InteropServices;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// A process environment variable on both sides: .NET keeps its own copy of the environment, while native libraries
/// (LibTorch, OpenMP) read libc's. Tests set and read both, to check what native code will see.
/// </summary>
internal static partial class ProcessEnvironment
{
    /// <summary>Sets (or, for null, removes) the variable in .NET's copy and in libc's.</summary>
    public static void Set(string name, string? value)
    {
        Environment.SetEnvironmentVariable(name, value);
        _ = value is null ? UnsetNative(name) : SetNative(name, value, 1);
    }

    /// <summary>The value native code sees (libc's getenv).</summary>
    public static string? Native(string name) => Marshal.PtrToStringUTF8(GetNative(name));

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNative(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetNative(string name);
}
