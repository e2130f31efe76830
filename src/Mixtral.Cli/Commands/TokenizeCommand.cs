using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mixtral.Tokenization;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral tokenize`: JSON lines in, JSON lines out, one per input line, so programs can pipe through it.
/// A bad line gets {"error": "..."} and the rest of the stream is still processed.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var addBos = new Option<bool>("--add-bos") { Description = "Prepend the BOS id (1) to every line's ids" };
        var chat = new Option<bool>("--chat") { Description = "Read {\"messages\":[...]} lines and render the chat template" };
        var command = new Command("tokenize", "Read {\"text\": ...} JSON lines on stdin, write {\"ids\": [...]} lines") { model, addBos, chat };
        command.SetAction(result =>
        {
            var tokenizer = CommonOptions.OpenModel(result.GetValue(model)).Tokenizer;
            bool useChat = result.GetValue(chat), bos = result.GetValue(addBos);
            if (useChat && bos) throw new CliUsageException("--add-bos does not apply to --chat (the template writes <s> itself)");
            return JsonLines.ExitCode(JsonLines.Process(Console.OpenStandardInput(), Console.Out, line => useChat ? Chat(tokenizer, line) : Plain(tokenizer, line, bos)));
        });
        return command;
    }

    private static JsonObject Plain(MixtralTokenizer tokenizer, JsonObject line, bool addBos)
    {
        string text = JsonLines.RequiredString(line, "text");
        return new JsonObject { ["ids"] = JsonLines.IdArray(tokenizer.Encode(text, addBos)) };
    }

    private static JsonObject Chat(MixtralTokenizer tokenizer, JsonObject line)
    {
        if (line["messages"] is not JsonArray array) throw new FormatException("missing \"messages\" array");
        var messages = array.Select((m, i) => m is JsonObject o
            ? new ChatMessage(JsonLines.RequiredString(o, "role", $"messages[{i}]"), JsonLines.RequiredString(o, "content", $"messages[{i}]"))
            : throw new FormatException($"messages[{i}] is not an object")).ToList();
        bool generationPrompt = line["add_generation_prompt"]?.GetValue<bool>() ?? false;
        string prompt = tokenizer.ChatTemplate?.Render(messages, generationPrompt)
            ?? throw new FormatException("the model folder's tokenizer_config.json has no chat_template");
        return new JsonObject { ["prompt"] = prompt, ["ids"] = JsonLines.IdArray(tokenizer.EncodeChat(messages, generationPrompt)) };
    }
}
