namespace Mixtral.Tokenization;

/// <summary>A tokenizer file (tokenizer.model, tokenizer_config.json) is missing, malformed or of a kind this library does not support.</summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string message) : base(message) { }

    public TokenizerFormatException(string message, Exception innerException) : base(message, innerException) { }

    public TokenizerFormatException() { }
}
