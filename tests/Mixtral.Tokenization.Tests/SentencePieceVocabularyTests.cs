using System.Text.Json;
using Mixtral.Testing;
using Mixtral.Tokenization.SentencePiece;

namespace Mixtral.Tokenization.Tests;

/// <summary>
/// The vocabulary read from tokenizer.model against the fixture's tokenizer.json (written by Hugging Face from the same
/// model, read here with plain JSON): the same piece for every id, and the types its special tokens and byte pieces imply.
/// </summary>
public sealed class SentencePieceVocabularyTests
{
    [Fact]
    public void Every_piece_and_type_agrees_with_the_Hugging_Face_tokenizer_json()
    {
        var vocab = SentencePieceVocabulary.Read(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.model"));
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.json")));
        var byId = json.RootElement.GetProperty("model").GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Value.GetInt32(), p => p.Name);
        var special = json.RootElement.GetProperty("added_tokens").EnumerateArray()
            .Where(t => t.GetProperty("special").GetBoolean()).ToDictionary(t => t.GetProperty("id").GetInt32(), t => t.GetProperty("content").GetString());

        Assert.Equal(byId.Count, vocab.Pieces.Count);
        Assert.Equal(vocab.Pieces.Count, vocab.Scores.Count);
        Assert.Equal(vocab.Pieces.Count, vocab.Types.Count);
        for (int id = 0; id < vocab.Pieces.Count; id++)
        {
            Assert.Equal(byId[id], vocab.Pieces[id]);
            int expectedType = special.TryGetValue(id, out var content) ? (content == "<unk>" ? 2 : 3) // unknown, control
                : IsBytePiece(byId[id]) ? 6 : 1; // byte, normal
            Assert.True(expectedType == vocab.Types[id], $"id {id} '{byId[id]}': type {vocab.Types[id]}, expected {expectedType}");
        }
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'g', (byte)'a', (byte)'r', (byte)'b', (byte)'a', (byte)'g', (byte)'e', (byte)'\n' })]
    [InlineData(new byte[] { 0x0A, 0x7F, 0x01 })] // a piece that claims 127 bytes and has one
    public void A_file_that_is_not_a_tokenizer_model_is_a_clear_error(byte[] content)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, content);
            var e = Assert.Throws<TokenizerFormatException>(() => SentencePieceVocabulary.Read(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool IsBytePiece(string piece) => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece.EndsWith('>');
}
