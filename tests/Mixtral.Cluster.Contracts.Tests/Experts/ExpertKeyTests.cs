using Mixtral.Cluster.Contracts.Experts;

namespace Mixtral.Cluster.Contracts.Tests.Experts;

public class ExpertKeyTests
{
    [Theory]
    [InlineData(3, 5, 0, "L3.E5")]
    [InlineData(3, 5, 1, "L3.E5.R1")]
    [InlineData(31, 7, 12, "L31.E7.R12")]
    [InlineData(0, 0, 0, "L0.E0")]
    [InlineData(3, 5, 0, "L3.E5.G2", 2)]
    [InlineData(3, 5, 1, "L3.E5.R1.G17", 17)]
    public void Formats_and_parses_the_canonical_form(int layer, int expert, int replica, string text, int generation = 0)
    {
        var key = new ExpertKey(layer, expert, replica, generation);
        Assert.Equal(text, key.ToString());
        Assert.Equal(key, ExpertKey.Parse(text));
        Assert.True(ExpertKey.TryParse(text, out var parsed));
        Assert.Equal(key, parsed);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("L3", "expected L{layer}.E{expert} or L{layer}.E{expert}.R{replica}")]
    [InlineData("L3.E5.R1.X", "expected L{layer}.E{expert} or L{layer}.E{expert}.R{replica}")]
    [InlineData("l3.E5", "\"l3\" should be L followed by the layer number")]
    [InlineData("L03.E5", "\"L03\" should be L followed by the layer number")]
    [InlineData("L-1.E5", "\"L-1\" should be L followed by the layer number")]
    [InlineData(" L3.E5", "\" L3\" should be L followed by the layer number")]
    [InlineData("L3.E", "\"E\" should be E followed by the expert number")]
    [InlineData("L3.E+5", "\"E+5\" should be E followed by the expert number")]
    [InlineData("L3.E5 ", "\"E5 \" should be E followed by the expert number")]
    [InlineData("L3.X5", "\"X5\" should be E followed by the expert number")]
    [InlineData("L3.E5.r1", "\"r1\" should be R followed by the replica number")]
    [InlineData("L3.E5.R", "\"R\" should be R followed by the replica number")]
    [InlineData("L3.E5.R0", "replica 0 is written without the .R0 suffix")]
    [InlineData("L9999999999.E1", "\"L9999999999\" should be L followed by the layer number")]
    [InlineData("L3,E5", "expected L{layer}.E{expert}")]
    [InlineData("L3.E5.G0", "generation 0 is written without the .G0 suffix")]
    [InlineData("L3.E5.R1.G", "\"G\" should be G followed by the generation number")]
    [InlineData("L3.E5.G1.R1", "expected L{layer}.E{expert} or L{layer}.E{expert}.R{replica}")]
    [InlineData("L3.E5.R1.G1.G1", "expected L{layer}.E{expert} or L{layer}.E{expert}.R{replica}")]
    public void Rejects_malformed_keys_naming_the_part(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => ExpertKey.Parse(text));
        Assert.StartsWith($"expert grain key \"{text}\": ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.False(ExpertKey.TryParse(text, out _));
    }

    [Fact]
    public void Null_does_not_parse() => Assert.False(ExpertKey.TryParse(null, out _));

    [Fact]
    public void Negative_parts_are_refused_at_construction()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExpertKey(1, -2));
        Assert.Equal("expert", e.ParamName);
    }
}
