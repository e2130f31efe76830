namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary><c>{{ }}</c>, <c>for</c> with <c>loop</c>, <c>if/elif/else</c>, <c>set</c> and its scoping, comments. See <see cref="JinjaHarness"/> for where the expectations come from.</summary>
public sealed class JinjaStatementTests
{
    [Theory]
    [InlineData("{{ bos_token }}x{{ eos_token }}", "<s>x</s>")]
    [InlineData("{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", "01TrueFalse3;12FalseFalse3;23FalseTrue3;")]
    [InlineData("{% for m in messages %}{{ loop.revindex }}{{ loop.revindex0 }},{% endfor %}", "32,21,10,")]
    [InlineData("{% for m in messages %}{% if m['role'] == 'user' %}U{% elif m['role'] == 'assistant' %}A{% else %}X{% endif %}{% endfor %}", "UAU")]
    [InlineData("{% for x in [] %}a{% else %}empty{% endfor %}{% for x in nothing %}a{% endfor %}", "empty")]
    [InlineData("{% for c in 'ab' %}{{ c }}.{% endfor %}", "a.b.")]
    [InlineData("a{# comment #}b{#- c -#} c", "abc")]
    public void Statements_render_as_in_jinja(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("{% set x = 'out' %}{% for m in messages %}{% set x = m.content %}{{ x }}{% endfor %}{{ x }}", "HiHelloByeout")]
    [InlineData("{% if true %}{% set y = 1 %}{% endif %}{{ y }}", "1")]
    public void Set_inside_a_loop_stays_in_the_loop_and_set_inside_if_does_not(string template, string expected) =>
        Assert.Equal(expected, JinjaHarness.Render(template));

    [Fact]
    public void Raise_exception_throws_the_templates_own_message()
    {
        var error = Assert.Throws<Mixtral.Tokenization.ChatTemplates.ChatTemplateException>(
            () => JinjaHarness.Render("{% if messages | length > 2 %}{{ raise_exception('Too many: ' ~ messages | length) }}{% endif %}"));
        Assert.Equal("Too many: 3", error.Message);
    }

    [Fact]
    public void Add_generation_prompt_is_passed_to_the_template()
    {
        var template = new Mixtral.Tokenization.ChatTemplates.ChatTemplate("{% if add_generation_prompt %}GEN{% endif %}", "<s>", "</s>");
        Assert.Equal("GEN", template.Render(JinjaHarness.Messages, addGenerationPrompt: true));
        Assert.Equal("", template.Render(JinjaHarness.Messages));
    }
}
