using System.Text;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Python's indexing rules: negative indices count from the end; slices <c>[start:stop:step]</c> clamp to the sequence.</summary>
internal static class Slicing
{
    /// <summary>A negative index counts from the end; the result may still be out of range.</summary>
    public static long Normalize(long index, int count) => index < 0 ? index + count : index;

    public static object Apply(object? target, object? start, object? stop, object? step, SourcePosition position)
    {
        switch (target)
        {
            case IReadOnlyList<object?> list:
                return Indices(list.Count, start, stop, step, position).Select(i => list[i]).ToList();
            case string text:
                Rune[] runes = text.EnumerateRunes().ToArray();
                return string.Concat(Indices(runes.Length, start, stop, step, position).Select(i => runes[i].ToString()));
            case Undefined undefined:
                throw undefined.Error(position);
            default:
                throw new JinjaException($"cannot slice '{JinjaValues.TypeName(target)}'", position);
        }
    }

    /// <summary>The indices <c>range(*slice(start, stop, step).indices(count))</c> gives.</summary>
    private static IEnumerable<int> Indices(int count, object? start, object? stop, object? step, SourcePosition position)
    {
        long by = Bound(step, position) ?? 1;
        if (by == 0) throw new JinjaException("slice step cannot be zero", position);
        long from, to;
        if (by > 0)
        {
            from = Clamp(Bound(start, position), count, 0, 0, count);
            to = Clamp(Bound(stop, position), count, count, 0, count);
            for (long i = from; i < to; i += by) yield return (int)i;
        }
        else
        {
            from = Clamp(Bound(start, position), count, count - 1, -1, count - 1);
            to = Clamp(Bound(stop, position), count, -1, -1, count - 1);
            for (long i = from; i > to; i += by) yield return (int)i;
        }
    }

    private static long Clamp(long? bound, int count, long absent, long low, long high) =>
        bound is not long value ? absent : Math.Clamp(Normalize(value, count), low, high);

    private static long? Bound(object? value, SourcePosition position) => value switch
    {
        null => null,
        long or bool => JinjaValues.AsInteger(value),
        _ => throw new JinjaException($"slice indices must be integers or none, not '{JinjaValues.TypeName(value)}'", position),
    };
}
