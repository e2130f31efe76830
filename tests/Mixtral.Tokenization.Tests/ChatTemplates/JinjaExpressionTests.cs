namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>Literals, operators, subscripts, slices, methods, filters and tests. See <see cref="JinjaHarness"/> for where the expectations come from.</summary>
public sealed class JinjaExpressionTests
{
    [Theory]
    [InlineData("{{ 'a' + \"b\" }}", "ab")]
    [InlineData("{{ -3 + 5 }}{{ 'a' 'b' }}", "2ab")]
    [InlineData("{{ 'a\\nb\\t\\'c\\'' }}", "a\nb\t'c'")]
    [InlineData("{{ ['a', \"it's\", 1, none, true] }}{{ '=' * 3 }}", "['a', \"it's\", 1, None, True]===")]
    [InlineData("[{{ nothing }}]{{ none }}{{ true }}", "[]NoneTrue")]
    [InlineData("{{ 1 ~ 'a' ~ none }}", "1aNone")]
    public void Literals_and_output(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("{{ true and false }}{{ true or false }}{{ not true }}{{ '' or 'x' }}{{ 'a' and 'b' }}[{{ 0 or '' }}]", "FalseTrueFalsexb[]")]
    [InlineData("{{ 7 % 3 }}{{ -7 % 3 }}{{ 7 % -3 }}{{ 7 // 2 }}{{ -7 // 2 }}{{ 2 * 3 - 1 }}", "12-23-45")]
    [InlineData("{{ (1 == 1) != (2 % 2 == 0) }}{{ (messages[1]['role'] == 'user') != (1 % 2 == 0) }}", "FalseFalse")]
    [InlineData("{{ 'ell' in 'hello' }}{{ 'user' in ['user', 'assistant'] }}{{ 'x' not in 'abc' }}{{ 'role' in messages[0] }}", "TrueTrueTrueTrue")]
    [InlineData("{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 'a' < 'b' }}{{ 2 >= 2 }}{{ 1 <= 0 }}", "TrueFalseTrueTrueFalse")]
    [InlineData("{{ 'y' if messages else 'n' }}{{ 'y' if not messages else 'n' }}[{{ 'y' if false }}]", "yn[]")]
    public void Operators_follow_python(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("{{ messages[0]['content'] }}{{ messages[-1].content }}{{ messages[0].role }}", "HiByeuser")]
    [InlineData("{% for m in messages[1:] %}{{ m.content }}{% endfor %}|{{ messages[:1][0].content }}|{{ messages[::-1][0].content }}", "HelloBye|Hi|Bye")]
    [InlineData("{{ 'abcdef'[1:4] }}{{ 'abcdef'[::-2] }}{{ 'abcdef'[-2:] }}{{ 'abcdef'[:-4] }}{{ 'abcdef'[10:] }}{{ 'abcdef'[2] }}{{ 'abcdef'[-1] }}", "bcdfdbefabcf")]
    public void Subscripts_and_slices_follow_python(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));

    [Theory]
    [InlineData("{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'Ab'.lower() }}{{ 'Ab'.upper() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('x') }}", "x|x  |  x|a|abAB|TrueFalse")]
    [InlineData("{{ '  a b  ' | trim }}|{{ messages | length }}|{{ 'héllo🦙' | length }}|{{ 'AbC' | lower }}{{ 'AbC' | upper }}|{{ nothing | length }}", "a b|3|6|abcABC|0")]
    [InlineData("{% if foo is defined %}D{% else %}U{% endif %}{% if messages is not defined %}X{% endif %}{{ none is none }}{{ 'a' is string }}{{ 1 is number }}", "UTrueTrueTrue")]
    public void Methods_filters_and_tests(string template, string expected) => Assert.Equal(expected, JinjaHarness.Render(template));
}
