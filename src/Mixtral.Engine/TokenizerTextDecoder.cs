using Mixtral.Model.Generation;
using Mixtral.Tokenization;

namespace Mixtral.Engine;

/// <summary>Lets the engine watch generated text (stop sequences) through the tokenizer's streaming decoder.</summary>
public sealed class TokenizerTextDecoder(StreamingDecoder decoder) : ITextStreamDecoder
{
    public string Push(int tokenId) => decoder.Push(tokenId);
    public string Flush() => decoder.Flush();
}
