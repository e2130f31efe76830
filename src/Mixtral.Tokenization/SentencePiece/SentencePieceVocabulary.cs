namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// Every piece of a tokenizer.model in id order, with its score and its type number (sentencepiece_model.proto's, which
/// are also llama.cpp's token types): what a GGUF file's <c>tokenizer.ggml.*</c> arrays hold, for tools that write one.
/// </summary>
public sealed record SentencePieceVocabulary(IReadOnlyList<string> Pieces, IReadOnlyList<float> Scores, IReadOnlyList<int> Types)
{
    /// <exception cref="TokenizerFormatException">The file is empty, not a sentencepiece model, or has no pieces.</exception>
    public static SentencePieceVocabulary Read(string tokenizerModelPath)
    {
        SentencePieceModelFile model;
        try
        {
            model = SentencePieceModelFile.Parse(File.ReadAllBytes(tokenizerModelPath));
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new TokenizerFormatException($"{tokenizerModelPath}: not a readable sentencepiece model ({e.Message})", e);
        }
        if (model.Pieces.Count == 0)
            throw new TokenizerFormatException($"{tokenizerModelPath}: no SentencePiece pieces (not a tokenizer.model?)");
        return new SentencePieceVocabulary(
            [.. model.Pieces.Select(p => p.Piece)], [.. model.Pieces.Select(p => p.Score)], [.. model.Pieces.Select(p => (int)p.Type)]);
    }
}
