using Microsoft.ML.Tokenizers;

namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// Refuses, with a message naming the setting, a tokenizer.model whose encoding <see cref="SentencePieceBpeEncoder"/>
/// does not implement, and checks that the library and our proto reader read the same pieces in the same order.
/// </summary>
internal static class SupportedModelCheck
{
    public static void Check(string path, LlamaTokenizer library, SentencePieceModelFile file)
    {
        Require(file.ModelType == SentencePieceModelFile.BpeModelType, path, $"trainer_spec.model_type is {file.ModelType}; only BPE ({SentencePieceModelFile.BpeModelType}) is supported");
        Require(file.NormalizerName == "identity", path, $"normalizer_spec.name is '{file.NormalizerName}'; only 'identity' (no Unicode normalization) is supported");
        Require(library.ByteFallback, path, "byte_fallback is off; only byte-fallback models are supported");
        Require(library.AddDummyPrefix, path, "normalizer_spec.add_dummy_prefix is off; only models with the dummy prefix are supported");
        Require(library.EscapeWhiteSpaces, path, "normalizer_spec.escape_whitespaces is off; only models that write spaces as U+2581 are supported");
        Require(!library.TreatWhitespaceAsSuffix, path, "treat_whitespace_as_suffix is on; it is not supported");
        Require(library.Normalizer is not SentencePieceNormalizer { RemoveExtraWhiteSpaces: true }, path,
            "normalizer_spec.remove_extra_whitespaces is on; it is not supported");

        Require(library.Vocabulary.Count == file.Pieces.Count, path,
            $"Microsoft.ML.Tokenizers reads {library.Vocabulary.Count} pieces but the model proto has {file.Pieces.Count}");
        for (int id = 0; id < file.Pieces.Count; id++)
        {
            ModelPiece piece = file.Pieces[id];
            Require(piece.Type is not (PieceType.UserDefined or PieceType.Unused), path,
                $"piece {id} '{piece.Piece}' is {piece.Type}; user-defined and unused pieces are not supported");
            bool same = library.Vocabulary.TryGetValue(piece.Piece, out int libraryId) && libraryId == id;
            Require(same, path, $"piece {id} '{piece.Piece}' has id {libraryId} in Microsoft.ML.Tokenizers' vocabulary");
        }
    }

    private static void Require(bool condition, string path, string problem)
    {
        if (!condition) throw new TokenizerFormatException($"{path}: {problem}");
    }
}
