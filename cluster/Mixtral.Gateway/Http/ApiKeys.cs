using System.Security.Cryptography;
using System.Text;

namespace Mixtral.Gateway.Http;

/// <summary>
/// The API keys the HTTP API accepts, kept only as SHA-256 digests: a presented key is hashed and compared with every
/// digest in constant time, so neither the comparison's timing nor the key's length tells an attacker anything, and
/// the keys themselves are never logged or echoed.
/// </summary>
public sealed class ApiKeys
{
    public const int MinimumLength = 16;

    private readonly byte[][] _digests;

    private ApiKeys(byte[][] digests) => _digests = digests;

    public static ApiKeys None { get; } = new([]);

    public int Count => _digests.Length;

    /// <param name="keys">Each key and where it came from (for messages that must not quote it).</param>
    public static ApiKeys From(IEnumerable<(string Key, string Source)> keys)
    {
        var digests = new List<byte[]>();
        foreach (var (key, source) in keys)
        {
            if (key.Length < MinimumLength || key.Any(char.IsWhiteSpace))
                throw new ArgumentException($"{source}: an API key must be at least {MinimumLength} characters without spaces (e.g. `openssl rand -hex 32`)");
            digests.Add(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        }
        return new ApiKeys([.. digests]);
    }

    /// <summary>Keys from a file (one per line; blank lines and lines starting with # ignored) and a comma-separated list.</summary>
    public static ApiKeys Load(string? file, string? list, string fileFlag, string listName)
    {
        var keys = new List<(string, string)>();
        if (file is not null)
        {
            if (!File.Exists(file)) throw new ArgumentException($"{fileFlag}: {file} not found");
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                if (lines[i].Trim() is { Length: > 0 } key && !key.StartsWith('#')) keys.Add((key, $"{fileFlag} {file} line {i + 1}"));
            if (keys.Count == 0) throw new ArgumentException($"{fileFlag}: {file} holds no key");
        }
        if (list is not null)
        {
            string[] items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (items.Length == 0) throw new ArgumentException($"{listName} is set but holds no key");
            for (int i = 0; i < items.Length; i++) keys.Add((items[i], $"{listName} item {i + 1}"));
        }
        return From(keys);
    }

    /// <summary>Whether <paramref name="presented"/> is one of the keys; every digest is compared, whatever matches.</summary>
    public bool Accepts(ReadOnlySpan<char> presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        byte[] bytes = Encoding.UTF8.GetBytes(presented.ToArray());
        SHA256.HashData(bytes, digest);
        bool found = false;
        foreach (byte[] known in _digests) found |= CryptographicOperations.FixedTimeEquals(known, digest);
        return found;
    }
}
