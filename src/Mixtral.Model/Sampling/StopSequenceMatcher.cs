using System.Text;

namespace Mixtral.Model.Sampling;

/// <summary>
/// Watches a sequence's text as it streams and stops it before the first stop sequence, with OpenAI/TGI
/// semantics: the stop sequence itself is never returned, not even in part. One matcher per sequence.
/// </summary>
/// <remarks>
/// <para>Hold-back: text is released only up to the earliest suffix that could still grow into a stop
/// sequence; a match can only start in that suffix, so only the held-back tail needs to be kept.</para>
/// <para>Several stop sequences: the one that is completed first in the text wins (of two that end at the
/// same character, the longer, which starts earlier). This is what a character-by-character stream sees,
/// so the result does not depend on how the text was cut into chunks.</para>
/// </remarks>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stops; // longest first, so that at one end position the longer match wins
    private readonly int _longest;
    private readonly StringBuilder _released = new();
    private string _pending = "";

    public StopSequenceMatcher(IReadOnlyList<string> stopSequences)
    {
        for (int i = 0; i < stopSequences.Count; i++)
        {
            if (string.IsNullOrEmpty(stopSequences[i]))
                throw new ArgumentException($"stop_sequences[{i}] must be a non-empty string", nameof(stopSequences));
        }
        _stops = [.. stopSequences.Distinct().OrderByDescending(s => s.Length)];
        _longest = _stops.Length == 0 ? 0 : _stops[0].Length;
    }

    /// <summary>True once a stop sequence has appeared; later chunks are ignored.</summary>
    public bool IsStopped => MatchedStop is not null;

    /// <summary>The stop sequence that ended the text, or null.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>Everything released so far: after a stop (or <see cref="Flush"/>), the final text.</summary>
    public string Text => _released.ToString();

    /// <summary>Adds the next piece of decoded text; returns the text that is now safe to show.</summary>
    public string Append(string chunk)
    {
        if (IsStopped || chunk.Length == 0)
            return "";
        string text = _pending + chunk;
        // _pending holds no complete match, so a new match ends inside the chunk.
        for (int end = _pending.Length + 1; end <= text.Length; end++)
        {
            foreach (string stop in _stops)
            {
                if (end >= stop.Length && text.AsSpan(end - stop.Length, stop.Length).SequenceEqual(stop))
                {
                    MatchedStop = stop;
                    _pending = "";
                    return Release(text[..(end - stop.Length)]);
                }
            }
        }
        int hold = HeldBackStart(text);
        _pending = text[hold..];
        return Release(text[..hold]);
    }

    /// <summary>The generation ended without a stop sequence: release the held-back tail, which is real text.</summary>
    public string Flush()
    {
        string tail = IsStopped ? "" : _pending;
        _pending = "";
        return Release(tail);
    }

    /// <summary>The start of the earliest suffix of <paramref name="text"/> that is a proper prefix of a stop sequence.</summary>
    private int HeldBackStart(string text)
    {
        for (int start = Math.Max(0, text.Length - (_longest - 1)); start < text.Length; start++)
        {
            ReadOnlySpan<char> suffix = text.AsSpan(start);
            foreach (string stop in _stops)
            {
                if (stop.Length > suffix.Length && stop.AsSpan().StartsWith(suffix))
                    return start;
            }
        }
        return text.Length;
    }

    private string Release(string text)
    {
        _released.Append(text);
        return text;
    }
}
