namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>
/// Whitespace control as Hugging Face renders chat templates: <c>-</c> on tags, trim_blocks, lstrip_blocks, and
/// no trailing newline. See <see cref="JinjaHarness"/> for where the expectations come from.
/// </summary>
public sealed class JinjaWhitespaceTests
{
    [Theory]
    [InlineData("a  {%- if true -%}  b  {%- endif -%}  c", "abc")]
    [InlineData("a \n {{- 'x' -}} \n b", "axb")]
    public void A_dash_strips_all_whitespace_on_its_side(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("{% if true %}\nyes\n{% endif %}\nno", "yes\nno")]
    [InlineData("{# c #}\nx", "x")]
    [InlineData("{% for m in messages %}\n  {{ m.content }}\n{% endfor %}", "  Hi\n  Hello\n  Bye\n")]
    public void Trim_blocks_drops_the_newline_after_a_statement_or_comment(string template, string expected) =>
        Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("    {% if true %}\n    yes\n    {% endif %}\n", "    yes\n")]
    [InlineData("\t{# c #}\nx", "x")]
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    [InlineData("  {{ 'x' }}\n", "  x")]
    [InlineData("a  {% if true %}b{% endif %}", "a  b")]
    public void Lstrip_blocks_drops_indentation_only_before_a_block_tag_that_starts_a_line(string template, string expected) =>
        Assert.Equal(expected, JinjaHarness.Render(template));

    [Fact]
    public void One_trailing_newline_of_the_template_is_dropped() => Assert.Equal("x\n", JinjaHarness.Render("x\n\n"));
}
