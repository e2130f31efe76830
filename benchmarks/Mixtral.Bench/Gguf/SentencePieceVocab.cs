using System.Text;

namespace Mixtral.Bench.Gguf;

/// <summary>
/// The pieces of a SentencePiece <c>tokenizer.model</c> (a protobuf <c>ModelProto</c>): text, score and type per id,
/// which is what a GGUF file's <c>tokenizer.ggml.*</c> arrays hold. Read by hand: field 1 of the model is the repeated
/// piece message, whose fields 1 (string), 2 (float) and 3 (enum, NORMAL = 1 when absent) are all we need; the
/// trainer and normalizer specs are skipped. SentencePiece's type numbers are llama.cpp's token types.
/// </summary>
public sealed record SentencePieceVocab(IReadOnlyList<string> Pieces, IReadOnlyList<float> Scores, IReadOnlyList<int> Types)
{
    public static SentencePieceVocab Read(string path)
    {
        var model = new ProtoReader(File.ReadAllBytes(path), path);
        List<string> pieces = [];
        List<float> scores = [];
        List<int> types = [];
        while (!model.AtEnd)
        {
            var (field, wire) = model.ReadTag();
            if (field != 1 || wire != 2)
            {
                model.Skip(wire);
                continue;
            }
            var piece = model.ReadMessage();
            string text = "";
            float score = 0;
            int type = 1;
            while (!piece.AtEnd)
            {
                var (f, w) = piece.ReadTag();
                switch (f, w)
                {
                    case (1, 2): text = Encoding.UTF8.GetString(piece.ReadBytes()); break;
                    case (2, 5): score = BitConverter.Int32BitsToSingle((int)piece.ReadFixed32()); break;
                    case (3, 0): type = (int)piece.ReadVarint(); break;
                    default: piece.Skip(w); break;
                }
            }
            pieces.Add(text);
            scores.Add(score);
            types.Add(type);
        }
        if (pieces.Count == 0) throw new InvalidDataException($"{path}: no SentencePiece pieces (not a tokenizer.model?)");
        return new SentencePieceVocab(pieces, scores, types);
    }

    private sealed class ProtoReader(ReadOnlyMemory<byte> data, string path)
    {
        private int _position;

        public bool AtEnd => _position >= data.Length;

        public (int Field, int Wire) ReadTag()
        {
            ulong tag = ReadVarint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Next(1).Span[0];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw new InvalidDataException($"{path}: malformed protobuf varint at byte {_position}");
        }

        public uint ReadFixed32() => BitConverter.ToUInt32(Next(4).Span);
        public byte[] ReadBytes() => Next(checked((int)ReadVarint())).ToArray();
        public ProtoReader ReadMessage() => new(Next(checked((int)ReadVarint())), path);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: Next(8); break;
                case 2: Next(checked((int)ReadVarint())); break;
                case 5: Next(4); break;
                default: throw new InvalidDataException($"{path}: unsupported protobuf wire type {wire} at byte {_position}");
            }
        }

        private ReadOnlyMemory<byte> Next(int count)
        {
            if (count < 0 || _position + count > data.Length)
                throw new InvalidDataException($"{path}: truncated protobuf at byte {_position}");
            var slice = data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
