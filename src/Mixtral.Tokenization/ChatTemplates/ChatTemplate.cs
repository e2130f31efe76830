using System.Text.Json;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>
/// A Hugging Face chat template (the Jinja text of tokenizer_config.json's <c>chat_template</c>), rendered by this
/// library's Jinja subset with the variables Hugging Face passes: <c>messages</c>, <c>bos_token</c>,
/// <c>eos_token</c>, <c>add_generation_prompt</c> and <c>raise_exception</c>. Parsed once; thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    private const string ConfigFileName = "tokenizer_config.json";

    private readonly IReadOnlyList<TemplateNode> _template;

    /// <exception cref="JinjaException">the template is not valid Jinja or uses what this subset does not support</exception>
    public ChatTemplate(string source, string bosToken, string eosToken)
    {
        Source = source;
        BosToken = bosToken;
        EosToken = eosToken;
        _template = TemplateParser.Parse(source);
    }

    public string Source { get; }

    public string BosToken { get; }

    public string EosToken { get; }

    /// <summary>The chat template of <paramref name="modelDir"/>'s tokenizer_config.json.</summary>
    public static ChatTemplate Load(string modelDir) =>
        LoadOptional(modelDir) ?? throw new TokenizerFormatException($"{Path.Combine(modelDir, ConfigFileName)} has no chat_template");

    /// <summary>The chat template of <paramref name="modelDir"/>'s tokenizer_config.json, or null when there is no such file or it has no template.</summary>
    public static ChatTemplate? LoadOptional(string modelDir)
    {
        string path = Path.Combine(modelDir, ConfigFileName);
        if (!File.Exists(path)) return null;
        try
        {
            using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = config.RootElement;
            if (!root.TryGetProperty("chat_template", out JsonElement template) || template.ValueKind == JsonValueKind.Null) return null;
            if (template.ValueKind != JsonValueKind.String)
                throw new TokenizerFormatException($"{path}: chat_template is a {template.ValueKind}; only a single template string is supported");
            return new ChatTemplate(template.GetString()!, TokenText(root, "bos_token", path), TokenText(root, "eos_token", path));
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
        catch (JinjaException e)
        {
            throw new TokenizerFormatException($"{path}: chat_template: {e.Message}", e);
        }
    }

    /// <summary>Renders the conversation.</summary>
    /// <exception cref="ChatTemplateException">the template rejected the conversation (its <c>raise_exception</c> message)</exception>
    /// <exception cref="JinjaException">the template failed while rendering (e.g. a type error in it)</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var converted = new List<object?>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i] ?? throw new ArgumentException($"messages[{i}] is null", nameof(messages));
            if (message.Role is null || message.Content is null)
                throw new ArgumentException($"messages[{i}].{(message.Role is null ? "Role" : "Content")} is null", nameof(messages));
            converted.Add(new Dictionary<string, object?> { ["role"] = message.Role, ["content"] = message.Content });
        }
        var globals = new Scope(parent: null);
        globals.Set("messages", converted);
        globals.Set("bos_token", BosToken);
        globals.Set("eos_token", EosToken);
        globals.Set("add_generation_prompt", addGenerationPrompt);
        globals.Set("raise_exception", new JinjaFunction("raise_exception", RaiseException));
        return TemplateRenderer.Render(_template, globals);
    }

    private static object? RaiseException(IReadOnlyList<object?> arguments, SourcePosition position) =>
        throw new ChatTemplateException(arguments.Count == 1 ? JinjaValues.ToText(arguments[0]) : $"raise_exception called with {arguments.Count} arguments at {position}");

    /// <summary>A special token in tokenizer_config.json is a string or an object with its <c>content</c>.</summary>
    private static string TokenText(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement token) || token.ValueKind == JsonValueKind.Null) return "";
        if (token.ValueKind == JsonValueKind.String) return token.GetString()!;
        if (token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String)
            return content.GetString()!;
        throw new TokenizerFormatException($"{path}: {name} is neither a string nor an object with a string 'content'");
    }
}
