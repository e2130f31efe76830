using Microsoft.ML.Tokenizers;
using Mixtral.Tokenization.ChatTemplates;
using Mixtral.Tokenization.SentencePiece;

namespace Mixtral.Tokenization;

/// <summary>
/// The Mixtral (= Mistral-7B v0.1, Llama-style) SentencePiece BPE tokenizer read from a model folder's
/// tokenizer.model, with the chat template of its tokenizer_config.json.
/// <para>
/// Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/> parses the model and gives the special ids, the byte-piece
/// ids, the normalizer settings and <see cref="Decode"/>. Encoding is our <see cref="SentencePieceBpeEncoder"/>,
/// because the library's 2.0.1 merge loop breaks score ties right-to-left and so gives other ids than sentencepiece
/// and Hugging Face on some text. The merge loop needs each piece's score and type, which the library keeps internal,
/// so <see cref="SentencePieceModelFile"/> reads them from the proto; at load its piece list is checked to be the
/// library's vocabulary, id for id.
/// </para>
/// Thread-safe: every method may be called concurrently.
/// </summary>
public sealed class MixtralTokenizer
{
    private const string ModelFileName = "tokenizer.model";

    private readonly LlamaTokenizer _library;
    private readonly SentencePieceBpeEncoder _encoder;
    private readonly PieceSurfaces _surfaces;
    private readonly string[] _pieces;
    private readonly ControlTokenSplitter _controlTokens;

    private MixtralTokenizer(LlamaTokenizer library, SentencePieceModelFile file, ChatTemplate? chatTemplate)
    {
        _library = library;
        _pieces = file.Pieces.Select(p => p.Piece).ToArray();
        var byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = library.Vocabulary[$"<0x{b:X2}>"];
        var mergeable = file.Pieces.Select((p, id) => (p, id)).Where(x => x.p.Type == PieceType.Normal)
            .Select(x => KeyValuePair.Create(x.p.Piece, x.id));
        _encoder = new SentencePieceBpeEncoder(mergeable, file.Pieces.Select(p => p.Score).ToArray(), byteIds);
        _surfaces = new PieceSurfaces(file.Pieces);
        _controlTokens = new ControlTokenSplitter(file.Pieces);
        ChatTemplate = chatTemplate;
    }

    /// <summary>Loads tokenizer.model from <paramref name="modelDir"/>, and the chat template of its tokenizer_config.json when there is one.</summary>
    public static MixtralTokenizer Load(string modelDir)
    {
        string path = Path.Combine(modelDir, ModelFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{ModelFileName} not found in {modelDir}", path);
        byte[] bytes = File.ReadAllBytes(path);
        // An interrupted download leaves an empty file; the library then fails with a null reference.
        if (bytes.Length == 0) throw new TokenizerFormatException($"{path}: the file is empty (0 bytes), not a sentencepiece model");
        LlamaTokenizer library;
        SentencePieceModelFile file;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            library = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            file = SentencePieceModelFile.Parse(bytes);
        }
        catch (Exception e) when (e is not TokenizerFormatException)
        {
            throw new TokenizerFormatException($"{path}: not a readable sentencepiece model ({e.Message})", e);
        }
        SupportedModelCheck.Check(path, library, file);
        return new MixtralTokenizer(library, file, ChatTemplate.LoadOptional(modelDir));
    }

    public int VocabSize => _pieces.Length;

    public int BosId => _library.BeginningOfSentenceId;

    public int EosId => _library.EndOfSentenceId;

    public int UnkId => _library.UnknownId;

    /// <summary>The chat template of tokenizer_config.json, or null when the model folder has none.</summary>
    public ChatTemplate? ChatTemplate { get; }

    /// <summary>
    /// The ids of <paramref name="text"/> as sentencepiece encodes it (dummy-prefix space, byte fallback), with
    /// BOS first when <paramref name="addBos"/>. Text never produces a control id: <c>&lt;s&gt;</c> or
    /// <c>[INST]</c> in it are plain characters.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool addBos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addBos) ids.Add(BosId);
        _encoder.Encode(text, ids);
        return ids;
    }

    /// <summary>
    /// Encodes text in which <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c> and <c>&lt;unk&gt;</c> ARE control tokens (a rendered chat
    /// template): each becomes its id and the text between them is encoded on its own with its dummy prefix, as Hugging
    /// Face's <c>apply_chat_template(tokenize=True)</c> does. Never pass user text here alone.
    /// </summary>
    public IReadOnlyList<int> EncodeWithControlTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        foreach ((string segment, int? controlId) in _controlTokens.Split(text))
        {
            if (controlId is int id) ids.Add(id);
            else _encoder.Encode(segment, ids);
        }
        return ids;
    }

    /// <summary>
    /// Renders <paramref name="messages"/> with the chat template and encodes the result, as Hugging Face's
    /// <c>apply_chat_template(tokenize=True)</c> does. Like it, a <c>&lt;/s&gt;</c> or <c>&lt;s&gt;</c> typed inside a
    /// message becomes a control id here (the fixture's <c>chat-3turn-injection</c> case), because the rendered text
    /// no longer tells template markup from message text; <see cref="Encode"/> never does that.
    /// </summary>
    /// <exception cref="ChatTemplateException">the template rejects the conversation (e.g. roles that do not alternate)</exception>
    public IReadOnlyList<int> EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        ChatTemplate template = ChatTemplate ?? throw new InvalidOperationException("this tokenizer's model folder has no chat_template in tokenizer_config.json");
        return EncodeWithControlTokens(template.Render(messages, addGenerationPrompt));
    }

    /// <summary>The text of <paramref name="ids"/>; the first piece's dummy-prefix space is dropped, special tokens skipped unless asked for.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        int[] checkedIds = ids.ToArray();
        foreach (int id in checkedIds) CheckId(id);
        return _library.Decode(checkedIds, considerSpecialTokens: !skipSpecialTokens);
    }

    /// <summary>The vocabulary piece of <paramref name="id"/>, e.g. <c>▁Hello</c> or <c>&lt;0x0A&gt;</c>.</summary>
    public string IdToPiece(int id)
    {
        CheckId(id);
        return _pieces[id];
    }

    /// <summary>
    /// What <paramref name="id"/> contributes to text as UTF-8 bytes: a piece's text with <c>▁</c> as a space, a byte
    /// piece its one byte; a control or unknown token its piece (<c>&lt;/s&gt;</c>), so that it is visible.
    /// </summary>
    public byte[] TokenBytes(int id)
    {
        CheckId(id);
        return _surfaces.IsSpecial(id) ? System.Text.Encoding.UTF8.GetBytes(_pieces[id]) : _surfaces.Bytes(id).ToArray();
    }

    /// <summary>
    /// <see cref="TokenBytes"/> as a string; a token that is part of a character (a byte piece such as <c>&lt;0xE2&gt;</c>)
    /// reads as OpenAI writes such tokens, <c>bytes:\xe2</c>.
    /// </summary>
    public string TokenText(int id)
    {
        byte[] bytes = TokenBytes(id);
        return System.Text.Unicode.Utf8.IsValid(bytes)
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : "bytes:" + string.Concat(bytes.Select(b => $"\\x{b:x2}"));
    }

    /// <summary>Whether <paramref name="id"/> is a control or unknown token (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>).</summary>
    public bool IsSpecial(int id)
    {
        CheckId(id);
        return _surfaces.IsSpecial(id);
    }

    /// <summary>A decoder for one generated sequence, emitting only whole characters.</summary>
    public StreamingDecoder CreateStreamingDecoder() => new(_surfaces);

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_pieces.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary [0, {_pieces.Length})");
    }
}
