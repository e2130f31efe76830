namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>A place in the template source, 1-based, for error messages.</summary>
internal readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}
