namespace Mixtral.Tokenization.SentencePiece;

/// <summary>One entry of tokenizer.model's piece list; its id is its index in that list.</summary>
internal readonly record struct ModelPiece(string Piece, float Score, PieceType Type);
