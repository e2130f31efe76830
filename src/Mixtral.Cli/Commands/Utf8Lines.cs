using System.Text;

namespace Mixtral.Cli.Commands;

/// <summary>
/// Lines of a byte stream decoded as strict UTF-8, one at a time. Console.In would replace invalid bytes with U+FFFD
/// and tokenize the damaged text as if it were what the user sent; here a line that is not UTF-8 is reported as such
/// (by its number) and the lines after it are still read.
/// </summary>
internal static class Utf8Lines
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Each line without its "\n" or "\r\n": the text, or null with the reason it is not UTF-8.</summary>
    public static IEnumerable<(string? Text, string? Problem)> Read(Stream input)
    {
        using var buffered = new BufferedStream(input, 1 << 16);
        var line = new MemoryStream();
        int b;
        while ((b = buffered.ReadByte()) >= 0)
        {
            if (b != '\n')
            {
                line.WriteByte((byte)b);
                continue;
            }
            yield return Decode(line);
            line.SetLength(0);
        }
        if (line.Length > 0) yield return Decode(line);
    }

    private static (string?, string?) Decode(MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        try
        {
            return (Strict.GetString(bytes).TrimStart('\uFEFF'), null); // a BOM (Windows editors) is not part of the JSON
        }
        catch (DecoderFallbackException e)
        {
            return (null, $"not valid UTF-8 (byte 0x{e.BytesUnknown?.FirstOrDefault():X2} at offset {e.Index})");
        }
    }
}
