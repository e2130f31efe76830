using System.Text;

namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// SentencePiece BPE encoding (bpe_model.cc), the one part of tokenization this library owns instead of taking it
/// from Microsoft.ML.Tokenizers: its 2.0.1 <c>LlamaTokenizer</c> applies equal-score merges right-to-left, while
/// sentencepiece and Hugging Face apply them left-to-right, so it gives other ids for code fences, <c>file:///</c>
/// and runs of spaces (see the fixture corpus' <c>ml_tokenizers_2_0_1</c> cases).
/// <para>
/// Steps: the dummy prefix <c>▁</c> is put before non-empty text and only U+0020 becomes <c>▁</c> (the model's
/// normalizer is <c>identity</c>: nothing else changes); the text is split into Unicode characters; then the
/// adjacent pair whose concatenation is a piece with the highest score is merged, equal scores going to the
/// leftmost pair, until no pair is a piece. A final symbol that is not a piece becomes one <c>&lt;0xNN&gt;</c>
/// piece per UTF-8 byte (byte fallback). Only normal pieces take part, so text can never produce a control id.
/// </para>
/// </summary>
internal sealed class SentencePieceBpeEncoder
{
    public const char SpaceSymbol = '\u2581';

    private readonly Dictionary<string, int> _pieces;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly IReadOnlyList<float> _scores;
    private readonly int[] _byteIds;

    /// <param name="mergeablePieces">the normal pieces and their ids; control, unknown and byte pieces are left out</param>
    /// <param name="scores">every piece's score, by id</param>
    /// <param name="byteIds">the id of <c>&lt;0xNN&gt;</c> for every byte value NN</param>
    public SentencePieceBpeEncoder(IEnumerable<KeyValuePair<string, int>> mergeablePieces, IReadOnlyList<float> scores, int[] byteIds)
    {
        if (byteIds.Length != 256) throw new ArgumentException($"expected 256 byte-fallback ids, got {byteIds.Length}", nameof(byteIds));
        _pieces = new Dictionary<string, int>(mergeablePieces, StringComparer.Ordinal);
        _lookup = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _scores = scores;
        _byteIds = byteIds;
    }

    /// <summary>Appends the ids of <paramref name="text"/> (no BOS) to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return; // sentencepiece adds no dummy prefix to empty text
        string normalized = Normalize(text);
        Symbol[] symbols = SplitCharacters(normalized);
        var agenda = new PriorityQueue<Candidate, Candidate>(CandidateOrder.Instance);
        for (int i = 0; i + 1 < symbols.Length; i++) TryAddCandidate(normalized, symbols, i, i + 1, agenda);

        while (agenda.TryDequeue(out Candidate top, out _))
        {
            ref Symbol left = ref symbols[top.Left];
            ref Symbol right = ref symbols[top.Right];
            // Stale entry: one side was merged away or grew since the pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != top.Length) continue;
            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = top.Left;
            TryAddCandidate(normalized, symbols, left.Prev, top.Left, agenda);
            TryAddCandidate(normalized, symbols, top.Left, left.Next, agenda);
        }

        for (int i = 0; i >= 0; i = symbols[i].Next)
            Emit(normalized.AsSpan(symbols[i].Start, symbols[i].Length), output);
    }

    private static string Normalize(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length + 1).Append(SpaceSymbol);
        foreach (char c in text) builder.Append(c == ' ' ? SpaceSymbol : c);
        return builder.ToString();
    }

    private static Symbol[] SplitCharacters(string normalized)
    {
        var symbols = new List<Symbol>(normalized.Length);
        for (int start = 0; start < normalized.Length;)
        {
            // A surrogate pair is one character; a lone surrogate stays one symbol and falls back to bytes (U+FFFD).
            int length = char.IsHighSurrogate(normalized[start]) && start + 1 < normalized.Length && char.IsLowSurrogate(normalized[start + 1]) ? 2 : 1;
            symbols.Add(new Symbol(start, length, symbols.Count - 1, -1));
            start += length;
        }
        var array = symbols.ToArray();
        for (int i = 0; i + 1 < array.Length; i++) array[i].Next = i + 1;
        return array;
    }

    private void TryAddCandidate(string normalized, Symbol[] symbols, int left, int right, PriorityQueue<Candidate, Candidate> agenda)
    {
        if (left < 0 || right < 0) return;
        int length = symbols[left].Length + symbols[right].Length;
        if (!_lookup.TryGetValue(normalized.AsSpan(symbols[left].Start, length), out int id)) return;
        var candidate = new Candidate(left, right, length, _scores[id]);
        agenda.Enqueue(candidate, candidate);
    }

    private void Emit(ReadOnlySpan<char> symbol, List<int> output)
    {
        if (_lookup.TryGetValue(symbol, out int id))
        {
            output.Add(id);
            return;
        }
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(symbol.Length)];
        int count = Encoding.UTF8.GetBytes(symbol, bytes);
        foreach (byte b in bytes[..count]) output.Add(_byteIds[b]);
    }

    /// <summary>A run of characters of the normalized text, in a doubly linked list of the surviving symbols.</summary>
    private record struct Symbol(int Start, int Length, int Prev, int Next);

    /// <summary>Merging symbol <see cref="Left"/> with <see cref="Right"/> gives a piece of <see cref="Length"/> chars and <see cref="Score"/>.</summary>
    private readonly record struct Candidate(int Left, int Right, int Length, float Score);

    /// <summary>Highest score first; equal scores: leftmost pair first (sentencepiece's tie-break).</summary>
    private sealed class CandidateOrder : IComparer<Candidate>
    {
        public static readonly CandidateOrder Instance = new();

        public int Compare(Candidate x, Candidate y)
        {
            int byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Left.CompareTo(y.Left);
        }
    }
}
