using Mixtral.Testing;
using Mixtral.Tokenization.ChatTemplates;
using Mixtral.Tokenization.Tests.Fixtures;

namespace Mixtral.Tokenization.Tests.ChatTemplates;

/// <summary>Every line of chat.jsonl: the Mixtral-Instruct template of tokenizer_config.json, rendered and encoded as Hugging Face does.</summary>
public sealed class ChatFixtureTests
{
    private static MixtralTokenizer Tokenizer => TokenizerFixtures.Tokenizer;

    [Theory]
    [MemberData(nameof(TokenizerFixtures.ChatIds), MemberType = typeof(TokenizerFixtures))]
    public void Renders_the_fixture_text_or_raises_its_error(string id)
    {
        ChatCase c = TokenizerFixtures.Chat[id];
        ChatTemplate template = ChatTemplate.Load(FixturePaths.TinyMixtral);
        if (c.Error is not null)
            Assert.Equal(c.Error, Assert.Throws<ChatTemplateException>(() => template.Render(c.Messages, c.AddGenerationPrompt)).Message);
        else
            Assert.Equal(c.Rendered, template.Render(c.Messages, c.AddGenerationPrompt));
    }

    [Theory]
    [MemberData(nameof(TokenizerFixtures.ChatIds), MemberType = typeof(TokenizerFixtures))]
    public void EncodeChat_gives_the_apply_chat_template_ids_or_raises_the_error(string id)
    {
        ChatCase c = TokenizerFixtures.Chat[id];
        if (c.Error is not null)
            Assert.Equal(c.Error, Assert.Throws<ChatTemplateException>(() => Tokenizer.EncodeChat(c.Messages, c.AddGenerationPrompt)).Message);
        else
            Assert.Equal(c.Ids, Tokenizer.EncodeChat(c.Messages, c.AddGenerationPrompt));
    }

    [Fact]
    public void The_rendered_text_of_every_case_encodes_to_its_ids()
    {
        // EncodeWithControlTokens on its own, from the fixture's rendered text (independent of our renderer).
        foreach (ChatCase c in TokenizerFixtures.Chat.Values.Where(c => c.Rendered is not null))
            Assert.Equal(c.Ids!, Tokenizer.EncodeWithControlTokens(c.Rendered!));
    }

    [Fact]
    public void A_model_folder_without_tokenizer_config_has_no_chat_template()
    {
        string folder = Directory.CreateTempSubdirectory("mixtral-tok-").FullName;
        try
        {
            Assert.Null(ChatTemplate.LoadOptional(folder));
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"chat_template\": \"{% if %}\"}");
            var error = Assert.Throws<TokenizerFormatException>(() => ChatTemplate.LoadOptional(folder));
            Assert.Equal($"{Path.Combine(folder, "tokenizer_config.json")}: chat_template: expected an expression but found '%}}' at line 1, column 7", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
