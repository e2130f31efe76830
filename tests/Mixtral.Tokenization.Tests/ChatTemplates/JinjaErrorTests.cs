using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>Syntax errors and unsupported Jinja are refused when the template is parsed, with the construct and its place named.</summary>
public sealed class JinjaErrorTests
{
    private static string ParseError(string template) =>
        Assert.Throws<JinjaException>(() => new ChatTemplate(template, "<s>", "</s>")).Message;

    private static string RenderError(string template) => Assert.Throws<JinjaException>(() => JinjaHarness.Render(template)).Message;

    [Theory]
    [InlineData("{% macro m() %}{% endmacro %}", "unsupported statement '{% macro %}' at line 1, column 4")]
    [InlineData("x\n{% include 'other' %}", "unsupported statement '{% include %}' at line 2, column 4")]
    [InlineData("{% frobnicate %}", "unknown statement '{% frobnicate %}' at line 1, column 4")]
    [InlineData("{{ x | tojson }}", "unsupported filter 'tojson' at line 1, column 8")]
    [InlineData("{{ x is divisibleby }}", "unsupported test 'is divisibleby' at line 1, column 9")]
    [InlineData("{% set ns.index = 1 %}", "assigning to an attribute (namespace objects) is not supported at line 1, column 10")]
    [InlineData("{% set x %}a{% endset %}", "block assignment '{% set x %}…{% endset %}' is not supported at line 1, column 4")]
    [InlineData("{% for k, v in x %}{% endfor %}", "unpacking several loop variables is not supported at line 1, column 9")]
    [InlineData("{{ {'a': 1} }}", "dictionary literals are not supported at line 1, column 4")]
    [InlineData("{{ (1, 2) }}", "tuples are not supported at line 1, column 6")]
    [InlineData("{{ 1.5 }}", "float literals are not supported at line 1, column 4")]
    [InlineData("{{ 1 / 2 }}", "operator '/' is not supported (integers only) at line 1, column 6")]
    [InlineData("{{ raise_exception(msg='x') }}", "keyword argument 'msg=' is not supported at line 1, column 20")]
    [InlineData("{{ a @ b }}", "unexpected character '@' at line 1, column 6")]
    public void Unsupported_jinja_is_named(string template, string expected) => Assert.Equal(expected, ParseError(template));

    [Theory]
    [InlineData("{% if x %}yes", "'{% if %}' at line 1, column 4 is never closed with '{% endif %}' at line 1, column 14")]
    [InlineData("{% for m in messages %}\n{% if x %}{% endfor %}", "unexpected '{% endfor %}' inside '{% if %}' opened at line 2, column 4; expected '{% endif %}' at line 2, column 14")]
    [InlineData("{% for m in messages %}\n{% if x %}{% endif %}", "'{% for %}' at line 1, column 4 is never closed with '{% endfor %}' at line 2, column 22")]
    [InlineData("{% endfor %}", "'{% endfor %}' without a matching opening statement at line 1, column 4")]
    [InlineData("{{ x ", "unclosed '{{' at line 1, column 1")]
    [InlineData("a {# note", "unclosed comment '{#' at line 1, column 3")]
    [InlineData("{{ 'abc }}", "unterminated string literal at line 1, column 4")]
    [InlineData("{{ messages[0]['role'] + }}", "expected an expression but found '}}' at line 1, column 26")]
    [InlineData("{% if x %}{% else %}{% elif y %}{% endif %}", "unexpected '{% elif %}' inside '{% if %}' opened at line 1, column 4; expected '{% endif %}' at line 1, column 24")]
    public void Syntax_errors_say_what_and_where(string template, string expected) => Assert.Equal(expected, ParseError(template));

    [Theory]
    [InlineData("{{ 'a' + 1 }}", "unsupported operand types for +: 'str' and 'int' at line 1, column 8")]
    [InlineData("{{ system.content }}", "'system' is undefined at line 1, column 10")]
    [InlineData("{{ messages[0]['content'].split() }}", "unsupported string method 'split' at line 1, column 32")]
    [InlineData("{{ messages.pop() }}", "unsupported method 'pop' on 'list' at line 1, column 16")]
    [InlineData("{{ 1 < 'a' }}", "'<' not supported between 'int' and 'str' at line 1, column 4")]
    [InlineData("{{ 1 // 0 }}", "integer division or modulo by zero at line 1, column 6")]
    [InlineData("{% for x in 5 %}{% endfor %}", "cannot iterate over 'int' at line 1, column 13")]
    [InlineData("{{ 'x' % 1 }}", "string formatting with '%' is not supported at line 1, column 8")]
    public void Errors_while_rendering_name_the_problem(string template, string expected) => Assert.Equal(expected, RenderError(template));
}
