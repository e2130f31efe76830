using Mixtral.Testing;
using Mixtral.Tokenization.Tests.Fixtures;

namespace Mixtral.Tokenization.Tests;

public sealed class MixtralTokenizerTests
{
    private static readonly int[] ByteAndControlIds = [0, 1, 2, 3, 258];

    private static MixtralTokenizer Tokenizer => TokenizerFixtures.Tokenizer;

    [Fact]
    public void Loads_the_vocabulary_and_special_ids_the_fixture_readme_states()
    {
        Assert.Equal(32000, Tokenizer.VocabSize);
        Assert.Equal((0, 1, 2), (Tokenizer.UnkId, Tokenizer.BosId, Tokenizer.EosId));
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>", "<0xFF>"], ByteAndControlIds.Select(Tokenizer.IdToPiece));
        Assert.Equal("\r", Tokenizer.IdToPiece(28801)); // README: \r is a piece, \n is <0x0A> (13)
        Assert.Equal("<0x0A>", Tokenizer.IdToPiece(13));
        Assert.True(Tokenizer.IsSpecial(1));
        Assert.False(Tokenizer.IsSpecial(13));
        Assert.NotNull(Tokenizer.ChatTemplate);
    }

    [Theory]
    [InlineData("<s>")]
    [InlineData("</s>")]
    [InlineData("<unk>")]
    [InlineData("[INST] hi [/INST]</s><s>")]
    [InlineData("<0x41>")] // the literal text of a byte piece is not that byte piece
    public void Text_never_produces_a_control_id_or_a_byte_piece_it_spells(string text)
    {
        IReadOnlyList<int> ids = Tokenizer.Encode(text);
        Assert.DoesNotContain(ids, id => Tokenizer.IsSpecial(id));
        Assert.DoesNotContain(3 + 0x41, ids);
        Assert.Equal(text, Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_can_keep_special_tokens()
    {
        CorpusCase hello = TokenizerFixtures.Corpus["en-001"];
        Assert.Equal("<s>Hello world!</s>", Tokenizer.Decode([1, .. hello.Ids, 2], skipSpecialTokens: false));
    }

    [Fact]
    public void Out_of_range_ids_are_rejected_naming_the_id()
    {
        Assert.Contains("-1", Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([1, -1])).Message, StringComparison.Ordinal);
        Assert.Contains("32000", Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.IdToPiece(32000)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_tokenizer_model_is_named_in_the_error()
    {
        string folder = Directory.CreateTempSubdirectory("mixtral-tok-").FullName;
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => MixtralTokenizer.Load(folder));
            Assert.Contains("tokenizer.model", error.Message, StringComparison.Ordinal);
            Assert.Contains(folder, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_file_that_is_not_a_sentencepiece_model_is_rejected_naming_the_file()
    {
        string folder = Directory.CreateTempSubdirectory("mixtral-tok-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "tokenizer.model"), [0x0A, 0xFF, 0xFF, 0x01]); // a field longer than the file
            var error = Assert.Throws<TokenizerFormatException>(() => MixtralTokenizer.Load(folder));
            Assert.Contains(Path.Combine(folder, "tokenizer.model"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_tiny_model_folder_and_the_fixture_readme_agree_on_the_file()
    {
        // README: tokenizer.model is byte-identical to Mistral's file; guards against testing some other model.
        byte[] hash = System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.model")));
        Assert.Equal("dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055", Convert.ToHexStringLower(hash));
    }

    /// <summary>A token as the APIs show it beside its log-probability: ▁ as a space, a byte piece in OpenAI's
    /// bytes:\xNN form (its one byte is not a character), a control token by its piece.</summary>
    [Fact]
    public void Token_text_and_bytes_read_as_the_apis_show_them()
    {
        int space = Tokenizer.Encode("Paris")[0]; // "▁Paris": the dummy prefix makes it a word-initial piece
        Assert.Equal("▁Paris", Tokenizer.IdToPiece(space));
        Assert.Equal(" Paris", Tokenizer.TokenText(space));
        Assert.Equal(" Paris"u8.ToArray(), Tokenizer.TokenBytes(space));
        int e2 = 3 + 0xE2; // <0xE2>: byte pieces are ids 3..258
        Assert.Equal("<0xE2>", Tokenizer.IdToPiece(e2));
        Assert.Equal([(byte)0xE2], Tokenizer.TokenBytes(e2));
        Assert.Equal("bytes:\\xe2", Tokenizer.TokenText(e2));
        Assert.Equal("\n", Tokenizer.TokenText(13)); // <0x0A> is a whole character
        Assert.Equal("</s>", Tokenizer.TokenText(Tokenizer.EosId));
        Assert.True(Tokenizer.IsSpecial(Tokenizer.EosId));
        Assert.False(Tokenizer.IsSpecial(space));
    }
}
