using Microsoft.ML.Tokenizers;
using Mixtral.Testing;
using Mixtral.Tokenization.Tests.Fixtures;

namespace Mixtral.Tokenization.Tests;

public sealed class StreamingDecoderTests
{
    private static MixtralTokenizer Tokenizer => TokenizerFixtures.Tokenizer;

    private static List<string> PushAll(StreamingDecoder decoder, IEnumerable<int> ids) => ids.Select(decoder.Push).ToList();

    [Theory]
    [MemberData(nameof(TokenizerFixtures.CorpusIds), MemberType = typeof(TokenizerFixtures))]
    public void Fed_id_by_id_a_corpus_line_concatenates_to_the_fixture_text_without_replacement_characters(string id)
    {
        CorpusCase c = TokenizerFixtures.Corpus[id];
        StreamingDecoder decoder = Tokenizer.CreateStreamingDecoder();
        List<string> chunks = PushAll(decoder, [Tokenizer.BosId, .. c.Ids, Tokenizer.EosId]);
        chunks.Add(decoder.Flush());
        Assert.DoesNotContain(chunks, chunk => chunk.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal(c.Decoded, string.Concat(chunks));
    }

    [Fact]
    public void A_four_byte_emoji_appears_whole_on_its_last_byte()
    {
        CorpusCase llama = TokenizerFixtures.Corpus["emoji-001"]; // "🦙": ▁ then <0xF0> <0x9F> <0xA6> <0x99>
        Assert.Equal(5, llama.Ids.Count);
        StreamingDecoder decoder = Tokenizer.CreateStreamingDecoder();
        Assert.Equal(["", "", "", "", "🦙"], PushAll(decoder, llama.Ids));
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Every_multibyte_character_is_emitted_exactly_when_complete()
    {
        // For the byte-fallback lines, each chunk is a whole number of characters of the text, in order.
        foreach (CorpusCase c in TokenizerFixtures.Corpus.Values.Where(c => c.Category is "emoji" or "bytefallback" or "ja" or "zh"))
        {
            StreamingDecoder decoder = Tokenizer.CreateStreamingDecoder();
            string soFar = "";
            foreach (string chunk in PushAll(decoder, c.Ids))
            {
                soFar += chunk;
                Assert.True(c.Decoded.StartsWith(soFar, StringComparison.Ordinal), $"{c.Id}: '{soFar}' is not a prefix of the text");
                Assert.False(soFar.Length > 0 && char.IsHighSurrogate(soFar[^1]), $"{c.Id}: half a surrogate pair was emitted");
            }
            Assert.Equal(c.Decoded, soFar + decoder.Flush());
        }
    }

    [Fact]
    public void Flush_turns_an_unfinished_character_into_one_replacement_and_resets()
    {
        StreamingDecoder decoder = Tokenizer.CreateStreamingDecoder();
        Assert.Equal("", decoder.Push(243)); // <0xF0>, the first byte of a 4-byte character
        Assert.Equal("", decoder.Push(162)); // <0x9F>
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("Hello", string.Concat(PushAll(decoder, Tokenizer.Encode("Hello")))); // a fresh sequence: dummy prefix dropped again
    }

    [Fact]
    public void Out_of_range_ids_are_rejected_with_the_id()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.CreateStreamingDecoder().Push(32000));
        Assert.Contains("32000", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Random id sequences (bytes that make invalid UTF-8, special tokens anywhere, ordinary pieces) decode the same
    /// streamed as Microsoft.ML.Tokenizers' Decode gives for the whole sequence: an independent implementation.
    /// </summary>
    [Fact]
    public void Streaming_equals_the_library_decode_on_random_sequences()
    {
        using FileStream model = File.OpenRead(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.model"));
        LlamaTokenizer library = LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false);
        var random = new Random(1234);
        for (int sequence = 0; sequence < 500; sequence++)
        {
            int[] ids = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(10) switch
            {
                0 => random.Next(0, 3),            // <unk> <s> </s>
                < 6 => random.Next(3, 259),        // byte pieces
                _ => random.Next(259, 32000),      // ordinary pieces
            }).ToArray();
            StreamingDecoder decoder = Tokenizer.CreateStreamingDecoder();
            string streamed = string.Concat(PushAll(decoder, ids)) + decoder.Flush();
            Assert.True(library.Decode(ids) == streamed, $"ids [{string.Join(", ", ids)}]: library '{library.Decode(ids)}', streamed '{streamed}'");
        }
    }
}
