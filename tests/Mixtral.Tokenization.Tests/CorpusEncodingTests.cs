using Mixtral.Tokenization.Tests.Fixtures;

namespace Mixtral.Tokenization.Tests;

/// <summary>Every line of corpus.jsonl: ids as sentencepiece gives them, decoding as the fixture's <c>decoded</c>.</summary>
public sealed class CorpusEncodingTests
{
    private static MixtralTokenizer Tokenizer => TokenizerFixtures.Tokenizer;

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Encode_gives_the_sentencepiece_ids(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Encode_with_bos_puts_id_1_first(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        Assert.Equal([1, .. c.Ids], Tokenizer.Encode(c.Text, addBos: true)); // README: with BOS it is [1] + ids, also for ""
    }

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Decode_gives_the_fixture_text_with_or_without_bos_and_eos(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        Assert.Equal(c.Decoded, Tokenizer.Decode(c.Ids));
        Assert.Equal(c.Decoded, Tokenizer.Decode([Tokenizer.BosId, .. c.Ids, Tokenizer.EosId]));
    }

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Round_trip_returns_the_text_where_the_fixture_says_so(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        string decoded = Tokenizer.Decode(Tokenizer.Encode(c.Text, addBos: true));
        if (c.RoundTrip) Assert.Equal(c.Text, decoded);
        else Assert.Equal(c.Text.Replace('\u2581', ' '), decoded); // README: only U+2581 in the text fails to round-trip
    }

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Pieces_of_the_ids_spell_the_text(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        // Independent of Decode: the pieces with ▁ as space and <0xNN> as bytes are the dummy-prefixed text.
        var bytes = new List<byte>();
        foreach (int tokenId in c.Ids)
        {
            string piece = Tokenizer.IdToPiece(tokenId);
            if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal)) bytes.Add(Convert.ToByte(piece[3..5], 16));
            else bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(piece.Replace('\u2581', ' ')));
        }
        string expected = c.Text.Length == 0 ? "" : " " + c.Text.Replace('\u2581', ' ');
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
    }
}
