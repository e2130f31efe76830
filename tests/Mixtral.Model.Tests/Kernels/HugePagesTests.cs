using System.Globalization;
using System.Runtime.InteropServices;
using Mixtral.Model.Kernels;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// Weight buffers ask Linux for 2 MB pages, and get them where transparent huge pages are not switched off; LibTorch's
/// allocator is told to ask too (its environment switch reaches native code), unless the user chose.
/// </summary>
public sealed class HugePagesTests
{
    private const long TwoMegabytes = 2 << 20;

    [Fact]
    public unsafe void A_large_buffer_is_2MB_aligned_and_advised_to_use_huge_pages()
    {
        nuint bytes = 16 << 20;
        byte* p = (byte*)HugePages.Allocate(bytes);
        try
        {
            Assert.Equal(0, (long)p % TwoMegabytes);
            var span = new Span<byte>(p, (int)bytes);
            span.Fill(7); // touch every page: the kernel backs them now
            Assert.Equal(7, span[^1]);
            if (!OperatingSystem.IsLinux()) return;
            // The advice, as the kernel recorded it ("hg" in the mapping's VmFlags). Whether 2 MB pages are then granted
            // depends on free contiguous memory at the time (and THP not being "never"), so that is not asserted here.
            var flags = VmFlagsOfMappingAt((long)p);
            Assert.Contains("hg", flags);
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public unsafe void A_small_buffer_is_cache_line_aligned()
    {
        byte* p = (byte*)HugePages.Allocate(4096);
        try
        {
            Assert.Equal(0, (long)p % 64);
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void Tells_LibTorch_to_ask_for_huge_pages_unless_the_user_chose()
    {
        string? original = Environment.GetEnvironmentVariable(HugePages.LibTorchVariable);
        try
        {
            ProcessEnvironment.Set(HugePages.LibTorchVariable, null);
            HugePages.PreferForLibTorchTensors();
            Assert.Equal("1", Environment.GetEnvironmentVariable(HugePages.LibTorchVariable));
            Assert.Equal("1", ProcessEnvironment.Native(HugePages.LibTorchVariable));

            ProcessEnvironment.Set(HugePages.LibTorchVariable, "0");
            HugePages.PreferForLibTorchTensors();
            Assert.Equal("0", Environment.GetEnvironmentVariable(HugePages.LibTorchVariable));
            Assert.Equal("0", ProcessEnvironment.Native(HugePages.LibTorchVariable));
        }
        finally
        {
            ProcessEnvironment.Set(HugePages.LibTorchVariable, original);
        }
    }

    /// <summary>The VmFlags of the /proc/self/smaps entry whose address range holds <paramref name="address"/>.</summary>
    private static string[] VmFlagsOfMappingAt(long address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && IsHex(line[..dash]) && IsHex(line[(dash + 1)..space]))
            {
                long start = long.Parse(line[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                long end = long.Parse(line[(dash + 1)..space], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }
        throw new InvalidOperationException($"no mapping in /proc/self/smaps holds 0x{address:x}");
    }

    private static bool IsHex(string s) => s.Length > 0 && s.All(Uri.IsHexDigit);
}
