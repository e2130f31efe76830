namespace Mixtral.Model.Tests.Sampling;

/// <summary>Inputs and reference maths for the sampling tests, written independently of the code under test.</summary>
internal static class TestLogits
{
    /// <summary>Normal(0, scale²) logits from a seeded System.Random (Box–Muller): no ties, reproducible.</summary>
    public static float[] Normal(int seed, int count, double scale)
    {
        var random = new Random(seed);
        var logits = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            logits[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return logits;
    }

    /// <summary>softmax(logits / temperature) in double.</summary>
    public static double[] Softmax(IReadOnlyList<float> logits, double temperature = 1)
    {
        double max = logits.Max();
        double[] e = [.. logits.Select(l => Math.Exp((l - max) / temperature))];
        double sum = e.Sum();
        return [.. e.Select(x => x / sum)];
    }

    public static int ArgMaxFirst(IReadOnlyList<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Count; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }
        return best;
    }

    /// <summary>The ids whose logit is not -inf: the set a filter kept.</summary>
    public static int[] Kept(ReadOnlySpan<float> logits)
    {
        var kept = new List<int>();
        for (int i = 0; i < logits.Length; i++)
        {
            if (!float.IsNegativeInfinity(logits[i]))
                kept.Add(i);
        }
        return [.. kept];
    }
}
