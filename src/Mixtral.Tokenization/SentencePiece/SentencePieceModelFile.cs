using System.Text;

namespace Mixtral.Tokenization.SentencePiece;

/// <summary>
/// The parts of tokenizer.model (a sentencepiece <c>ModelProto</c>) that Microsoft.ML.Tokenizers 2.0.1 keeps
/// internal: every piece's score and type (its <c>ModelProto</c> class is not public), the trainer's model type
/// and the normalizer's name. Vocabulary, special ids and the normalizer flags are still taken from the library;
/// this reader only adds what the merge loop needs and what lets us refuse a model it does not implement.
/// Field numbers are those of sentencepiece_model.proto.
/// </summary>
internal sealed record SentencePieceModelFile(IReadOnlyList<ModelPiece> Pieces, int ModelType, string NormalizerName)
{
    /// <summary><c>TrainerSpec.ModelType.BPE</c>.</summary>
    public const int BpeModelType = 2;

    private const int PiecesField = 1, TrainerSpecField = 2, NormalizerSpecField = 3;
    private const int PieceField = 1, ScoreField = 2, TypeField = 3;
    private const int ModelTypeField = 3, NormalizerNameField = 1;
    private const int UnigramModelType = 1; // the proto's default when the field is absent

    public static SentencePieceModelFile Parse(ReadOnlySpan<byte> data)
    {
        var pieces = new List<ModelPiece>();
        int modelType = UnigramModelType;
        string normalizerName = "";
        var reader = new ProtoWireReader(data);
        while (!reader.AtEnd)
        {
            int field = reader.ReadKey(out int wireType);
            if (field == PiecesField && wireType == ProtoWireReader.LengthDelimited)
                pieces.Add(ParsePiece(reader.ReadLengthDelimited()));
            else if (field == TrainerSpecField && wireType == ProtoWireReader.LengthDelimited)
                modelType = ReadVarintField(reader.ReadLengthDelimited(), ModelTypeField) ?? modelType;
            else if (field == NormalizerSpecField && wireType == ProtoWireReader.LengthDelimited)
                normalizerName = ReadStringField(reader.ReadLengthDelimited(), NormalizerNameField) ?? normalizerName;
            else
                reader.Skip(wireType);
        }
        return new SentencePieceModelFile(pieces, modelType, normalizerName);
    }

    private static ModelPiece ParsePiece(ReadOnlySpan<byte> message)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal; // the proto's default
        var reader = new ProtoWireReader(message);
        while (!reader.AtEnd)
        {
            int field = reader.ReadKey(out int wireType);
            if (field == PieceField && wireType == ProtoWireReader.LengthDelimited) piece = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            else if (field == ScoreField && wireType == ProtoWireReader.Fixed32) score = reader.ReadFloat();
            else if (field == TypeField && wireType == ProtoWireReader.Varint) type = (PieceType)reader.ReadVarint();
            else reader.Skip(wireType);
        }
        return new ModelPiece(piece, score, type);
    }

    private static int? ReadVarintField(ReadOnlySpan<byte> message, int wanted)
    {
        int? value = null;
        var reader = new ProtoWireReader(message);
        while (!reader.AtEnd)
        {
            int field = reader.ReadKey(out int wireType);
            if (field == wanted && wireType == ProtoWireReader.Varint) value = (int)reader.ReadVarint();
            else reader.Skip(wireType);
        }
        return value;
    }

    private static string? ReadStringField(ReadOnlySpan<byte> message, int wanted)
    {
        string? value = null;
        var reader = new ProtoWireReader(message);
        while (!reader.AtEnd)
        {
            int field = reader.ReadKey(out int wireType);
            if (field == wanted && wireType == ProtoWireReader.LengthDelimited) value = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            else reader.Skip(wireType);
        }
        return value;
    }
}
