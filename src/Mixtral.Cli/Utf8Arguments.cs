using System.Buffers;
using System.Text;

namespace Mixtral.Cli;

/// <summary>
/// Arguments that are not UTF-8. .NET decodes the command line with replacement, so bytes that are not UTF-8 arrive as
/// U+FFFD and a --prompt would be tokenized damaged, silently. On Linux the bytes as typed are in /proc/self/cmdline;
/// an argument that is not UTF-8 there is refused naming its flag (a U+FFFD the user really typed is valid UTF-8, and
/// passes).
/// </summary>
internal static class Utf8Arguments
{
    private const string RawCommandLine = "/proc/self/cmdline";

    /// <summary>Throws a <see cref="CliUsageException"/> naming the flag of the first argument that is not UTF-8.</summary>
    public static void Check(string[] args)
    {
        if (!args.Any(a => a.Contains('\uFFFD', StringComparison.Ordinal)) || !File.Exists(RawCommandLine)) return;
        Check(args, ReadRaw(File.ReadAllBytes(RawCommandLine)));
    }

    /// <summary>The check against given raw arguments (the host's own come first: "dotnet mixtral.dll" or "mixtral").</summary>
    public static void Check(string[] args, IReadOnlyList<byte[]> raw)
    {
        if (raw.Count < args.Length) return; // not the command line these arguments came from
        for (int i = 0; i < args.Length; i++)
        {
            byte[] bytes = raw[raw.Count - args.Length + i];
            if (FirstInvalidByte(bytes) is not int offset) continue;
            throw new CliUsageException(
                $"{FlagOf(args, i)}: not valid UTF-8 (byte 0x{bytes[offset]:X2} at offset {offset}); give the text in UTF-8");
        }
    }

    /// <summary>The flag an argument belongs to: "--prompt" for `--prompt VALUE` and `--prompt=VALUE`, else its position.</summary>
    private static string FlagOf(string[] args, int index)
    {
        string arg = args[index];
        if (arg.StartsWith('-') && arg.IndexOf('=', StringComparison.Ordinal) is > 0 and int eq) return arg[..eq];
        if (index > 0 && args[index - 1].StartsWith('-')) return args[index - 1];
        return $"argument {index + 1}";
    }

    private static int? FirstInvalidByte(byte[] bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes.AsSpan(offset), out _, out int consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return null;
    }

    /// <summary>/proc/self/cmdline: every argument followed by a NUL byte.</summary>
    private static List<byte[]> ReadRaw(byte[] cmdline)
    {
        var args = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] != 0) continue;
            args.Add(cmdline[start..i]);
            start = i + 1;
        }
        return args;
    }
}
