namespace Mixtral.Tokenization.SentencePiece;

/// <summary><c>ModelProto.SentencePiece.Type</c> of sentencepiece_model.proto, with the proto's numbers.</summary>
internal enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
