using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral detokenize`: {"ids": [...]} lines in, {"text": "..."} lines out (the reverse of tokenize).</summary>
internal static class DetokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var command = new Command("detokenize", "Read {\"ids\": [...]} JSON lines on stdin, write {\"text\": ...} lines") { model };
        command.SetAction(result =>
        {
            var tokenizer = CommonOptions.OpenModel(result.GetValue(model)).Tokenizer;
            int bad = JsonLines.Process(Console.OpenStandardInput(), Console.Out, line =>
            {
                if (line["ids"] is not JsonArray array) throw new FormatException("missing \"ids\" array");
                var ids = array.Select((n, i) => n is JsonValue v && v.TryGetValue(out int id) && id >= 0 && id < tokenizer.VocabSize
                    ? id
                    : throw new FormatException($"ids[{i}] is not a token id of this vocabulary (0..{tokenizer.VocabSize - 1})")).ToList();
                return new JsonObject { ["text"] = tokenizer.Decode(ids) };
            });
            return JsonLines.ExitCode(bad);
        });
        return command;
    }
}
