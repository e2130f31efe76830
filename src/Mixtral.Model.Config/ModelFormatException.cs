namespace Mixtral.Model.Config;

/// <summary>
/// A model folder, config or checkpoint file that cannot be used as it is. The message always names the
/// file and, where there is one, the field or tensor that is wrong, so it can be shown to a user as is.
/// </summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
    public ModelFormatException() { }
}
