namespace Mixtral.Tokenization.Tests.Fixtures;

/// <summary>One line of the tokenizer fixture's corpus.jsonl (see its README).</summary>
public sealed record CorpusCase(
    string Id,
    string Category,
    string Text,
    IReadOnlyList<int> Ids,
    string Decoded,
    bool RoundTrip,
    IReadOnlyList<int>? MlTokenizersIds)
{
    public override string ToString() => Id;
}
