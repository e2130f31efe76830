using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>
/// Renders a template with the variables a chat template gets. The expected outputs in the Jinja tests were written
/// by hand from Jinja's rules and checked with Python Jinja2 3.1.6 in Hugging Face's setting
/// (<c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c>), the engine chat templates are written for.
/// </summary>
internal static class JinjaHarness
{
    public static readonly ChatMessage[] Messages = [new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")];

    public static string Render(string template) => new ChatTemplate(template, "<s>", "</s>").Render(Messages);
}
