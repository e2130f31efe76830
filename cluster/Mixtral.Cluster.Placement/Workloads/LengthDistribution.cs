namespace Mixtral.Cluster.Placement.Workloads;

/// <summary>A distribution of token counts (prompt or output lengths), always clamped to [Min, Max].</summary>
public abstract record LengthDistribution(int Min, int Max)
{
    public abstract int Sample(Random random);

    protected int Clamp(double value) => (int)Math.Clamp(Math.Round(value), Min, Max);
}

/// <summary>Always the same length: <c>{"distribution": "fixed", "value": 128}</c>.</summary>
public sealed record FixedLength(int Value) : LengthDistribution(Value, Value)
{
    public override int Sample(Random random) => Value;
}

/// <summary>Uniform over [min, max]: <c>{"distribution": "uniform", "min": 32, "max": 512}</c>.</summary>
public sealed record UniformLength(int Minimum, int Maximum) : LengthDistribution(Minimum, Maximum)
{
    public override int Sample(Random random) => random.Next(Min, Max + 1);
}

/// <summary>
/// Log-normal with the given median and σ of the log, clamped: <c>{"distribution": "lognormal", "median": 200,
/// "sigma": 0.8, "min": 8, "max": 4096}</c>. Chat prompt and answer lengths are long-tailed like this.
/// </summary>
public sealed record LogNormalLength(double Median, double Sigma, int Minimum, int Maximum) : LengthDistribution(Minimum, Maximum)
{
    public override int Sample(Random random)
    {
        // Box–Muller: one standard normal from two uniforms.
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Clamp(Median * Math.Exp(Sigma * z));
    }
}
