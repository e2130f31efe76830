using Mixtral.Model.Sampling;

namespace Mixtral.Model.Tests.Sampling;

/// <summary>Known-answer tests: the stream of a seed is fixed by the published algorithm, in every process.</summary>
public class Xoshiro256StarStarTests
{
    [Fact]
    public void State_1_2_3_4_gives_the_reference_outputs()
    {
        // The reference implementation's outputs from state {1, 2, 3, 4} (as in rand_xoshiro's test suite).
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600,
            16172922978634559625, 8476171486693032832, 10595114339597558777, 2904607092377533576];
        var generator = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        Assert.Equal(expected, expected.Select(_ => generator.NextUInt64()));
    }

    [Fact]
    public void Seed_expands_through_splitmix64()
    {
        // SplitMix64's published first outputs from seed 1234567 become the four state words.
        var seeded = new Xoshiro256StarStar(1234567);
        var fromState = Xoshiro256StarStar.FromState(6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431);
        for (int i = 0; i < 100; i++)
            Assert.Equal(fromState.NextUInt64(), seeded.NextUInt64());
    }

    [Fact]
    public void NextDouble_is_the_top_53_bits_scaled_into_0_1()
    {
        var a = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        var b = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        for (int i = 0; i < 1000; i++)
        {
            double u = a.NextDouble();
            Assert.InRange(u, 0.0, Math.BitDecrement(1.0));
            Assert.Equal(b.NextUInt64() >> 11, (ulong)(u * 9007199254740992.0)); // 2^53
        }
    }

    [Fact]
    public void All_zero_state_is_refused() =>
        Assert.Throws<ArgumentException>(() => Xoshiro256StarStar.FromState(0, 0, 0, 0));
}
