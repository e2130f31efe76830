using Microsoft.ML.Tokenizers;
using Mixtral.Testing;
using Mixtral.Tokenization.SentencePiece;
using Mixtral.Tokenization.Tests.Fixtures;

namespace Mixtral.Tokenization.Tests;

/// <summary>The merge loop we own: sentencepiece's order (highest score, then leftmost), byte fallback, normalization.</summary>
public sealed class SentencePieceBpeEncoderTests
{
    // A toy vocabulary: ids 0..255 are the byte pieces, then these pieces with these scores (higher merges first).
    private static SentencePieceBpeEncoder Toy(params (string Piece, float Score)[] pieces)
    {
        var scores = new float[256 + pieces.Length];
        var mergeable = new List<KeyValuePair<string, int>>();
        for (int i = 0; i < pieces.Length; i++)
        {
            scores[256 + i] = pieces[i].Score;
            mergeable.Add(KeyValuePair.Create(pieces[i].Piece, 256 + i));
        }
        return new SentencePieceBpeEncoder(mergeable, scores, Enumerable.Range(0, 256).ToArray());
    }

    private static List<int> Encode(SentencePieceBpeEncoder encoder, string text)
    {
        var ids = new List<int>();
        encoder.Encode(text, ids);
        return ids;
    }

    [Fact]
    public void Equal_scores_merge_the_leftmost_pair_first()
    {
        // "▁aaa": the pairs (a,a) at 1 and at 2 tie; leftmost gives ▁|aa|a, right-to-left would give ▁|a|aa.
        var encoder = Toy(("▁", 0), ("a", 0), ("aa", -1));
        Assert.Equal([256, 258, 257], Encode(encoder, "aaa"));
    }

    [Fact]
    public void A_higher_score_wins_over_a_pair_further_left()
    {
        var encoder = Toy(("▁", 0), ("a", 0), ("b", 0), ("c", 0), ("ab", -5), ("bc", -1));
        Assert.Equal([256, 257, 261], Encode(encoder, "abc")); // ▁|a|bc
    }

    [Fact]
    public void Merges_cascade_and_skip_pairs_made_stale_by_an_earlier_merge()
    {
        // ▁aaaa: aa at 1 merges, the queued aa at 2 is stale, aa at 3 merges, then aa+aa makes aaaa.
        var encoder = Toy(("▁", 0), ("a", 0), ("aa", -1), ("aaaa", -2));
        Assert.Equal([256, 259], Encode(encoder, "aaaa"));
    }

    [Fact]
    public void Characters_not_in_the_vocabulary_become_their_utf8_bytes()
    {
        var encoder = Toy(("▁", 0), ("a", 0));
        Assert.Equal([256, 257, 0xC3, 0xA9, 0xF0, 0x9F, 0xA6, 0x99, 257], Encode(encoder, "aé🦙a"));
    }

    [Fact]
    public void Only_u0020_becomes_the_space_symbol_and_empty_text_has_no_dummy_prefix()
    {
        var encoder = Toy(("▁", 0), ("a", 0), ("▁a", -1));
        Assert.Equal([258, 258], Encode(encoder, "a a"));
        Assert.Equal([258, 0x09, 257, 0xC2, 0xA0, 257], Encode(encoder, "a\ta\u00A0a")); // tab and NBSP stay themselves (bytes here)
        Assert.Empty(Encode(encoder, ""));
    }

    [Fact]
    public void A_lone_surrogate_falls_back_to_the_bytes_of_U_FFFD()
    {
        var encoder = Toy(("▁", 0));
        Assert.Equal([256, 0xEF, 0xBF, 0xBD], Encode(encoder, "\uD83E"));
    }

    /// <summary>
    /// Why the merge loop is ours: Microsoft.ML.Tokenizers 2.0.1 gives exactly the fixture's recorded wrong ids on the
    /// cases marked <c>ml_tokenizers_2_0_1</c> (ties broken right-to-left), while we give the sentencepiece ids.
    /// </summary>
    [Fact]
    public void The_library_breaks_ties_right_to_left_on_the_marked_cases_and_we_do_not()
    {
        using FileStream model = File.OpenRead(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.model"));
        LlamaTokenizer library = LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false);
        var marked = TokenizerFixtures.Corpus.Values.Where(c => c.MlTokenizersIds is not null).ToList();
        Assert.NotEmpty(marked);
        foreach (CorpusCase c in marked)
        {
            Assert.Equal(c.MlTokenizersIds!, library.EncodeToIds(c.Text, addBeginningOfSentence: false, addEndOfSentence: false));
            Assert.NotEqual(c.Ids, c.MlTokenizersIds!);
            Assert.Equal(c.Ids, TokenizerFixtures.Tokenizer.Encode(c.Text));
        }
    }
}

