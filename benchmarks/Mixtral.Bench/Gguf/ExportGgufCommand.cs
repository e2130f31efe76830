using System.CommandLine;
using System.Diagnostics;

namespace Mixtral.Bench.Gguf;

/// <summary>`export-gguf`: a model folder as a float32 GGUF file, so llama.cpp can be measured on the same model.</summary>
public static class ExportGgufCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face Mixtral model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var output = new Option<string>("--out") { Description = "GGUF file to write (float32; llama.cpp's llama-quantize makes f16, q8_0, q4_K_M from it)", Required = true };
        var command = new Command("export-gguf", "Write a model folder as a float32 GGUF file for llama.cpp (for side-by-side peers)") { model, output };
        command.SetAction(result =>
        {
            string dir = result.GetValue(model)!;
            if (!Directory.Exists(dir)) throw new ArgumentException($"--model: no such folder: {dir}");
            string path = result.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            MixtralGgufExport.Export(dir, path, line => Console.Error.WriteLine($"[export-gguf] {line}"));
            Console.WriteLine($"{path}: {new FileInfo(path).Length / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
