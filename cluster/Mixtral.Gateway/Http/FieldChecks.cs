namespace Mixtral.Gateway.Http;

/// <summary>Range checks shared by the API surfaces; each names the field as the caller's API spells it.</summary>
public static class FieldChecks
{
    public static int MaxTokens(int? value, string field, int defaultValue, int contextLength)
    {
        int n = value ?? Math.Min(defaultValue, contextLength);
        if (n < 1) throw ApiProblemException.Invalid(field, $"{field} must be at least 1, got {n}");
        if (n > contextLength)
            throw new ApiProblemException(new ApiProblem(ProblemKind.ContextOverflow,
                $"{field} ({n}) exceeds the model's context of {contextLength} tokens (prompt + {field} must fit in it)", field));
        return n;
    }

    public static double? NonNegative(double? value, string field)
    {
        if (value is double v && (!double.IsFinite(v) || v < 0))
            throw ApiProblemException.Invalid(field, $"{field} must be a finite number >= 0, got {v}");
        return value;
    }

    public static double? Positive(double? value, string field)
    {
        if (value is double v && (!double.IsFinite(v) || v <= 0))
            throw ApiProblemException.Invalid(field, $"{field} must be a finite number > 0, got {v}");
        return value;
    }

    public static double? Probability(double? value, string field)
    {
        if (value is double v && !(v > 0 && v <= 1))
            throw ApiProblemException.Invalid(field, $"{field} must be in (0, 1], got {v}");
        return value;
    }

    public static int? NonNegative(int? value, string field)
    {
        if (value is < 0) throw ApiProblemException.Invalid(field, $"{field} must be >= 0, got {value}");
        return value;
    }

    public static ulong? Seed(long? value, string field)
    {
        if (value is < 0) throw ApiProblemException.Invalid(field, $"{field} must be >= 0, got {value}");
        return value is long s ? (ulong)s : null;
    }

    public static void OnlyOne(int? value, string field)
    {
        if (value is int n && n != 1)
            throw ApiProblemException.Invalid(field, $"{field} must be 1: this server returns one choice per request, got {n}");
    }
}
