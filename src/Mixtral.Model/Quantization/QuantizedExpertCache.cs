using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;

namespace Mixtral.Model.Quantization;

/// <summary>
/// A folder of quantized experts (<see cref="QuantizedExpertFile"/>, one file per expert and format), so that a restarted
/// node reads each of its own experts in its final form instead of reading bf16 and quantizing again. A file is used only
/// if it names the same source tensors (same names, shapes, places, shard sizes and modification times), the same
/// format, group size and file version, and its bytes hash to the SHA-256 it records; anything else (missing, stale,
/// damaged) is quantized from the checkpoint again and the file rewritten, and the reason is reported.
/// </summary>
public static class QuantizedExpertCache
{
    public enum Outcome
    {
        /// <summary>Read from a valid cache file.</summary>
        Hit,

        /// <summary>No file: quantized and saved.</summary>
        Created,

        /// <summary>A file that did not match or was damaged: quantized again and the file replaced.</summary>
        Rebuilt,
    }

    /// <summary>The file of one expert in one format under <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, int layer, int expert, ExpertWeightFormat format) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"layer{layer:D2}-expert{expert:D2}.{format.ShortName()}.safetensors"));

    /// <summary>The expert from <paramref name="directory"/> when its file is valid, else quantized from the checkpoint
    /// and saved there. <paramref name="problem"/> says why a file present was not used (null otherwise).</summary>
    public static QuantizedExpert Load(WeightLoader loader, MixtralConfig config, int layer, int expert, ExpertWeightFormat format, string directory,
        out Outcome outcome, out string? problem)
    {
        string path = PathOf(directory, layer, expert, format);
        var identity = new QuantizedExpertFile.Identity(SourceFingerprint(loader.Reader, layer, expert), format, layer, expert);
        problem = null;
        if (File.Exists(path))
        {
            try
            {
                outcome = Outcome.Hit;
                return QuantizedExpertFile.Read(path, identity, config.HiddenSize, config.IntermediateSize);
            }
            catch (Exception e) when (e is ModelFormatException or IOException)
            {
                problem = e.Message;
            }
        }
        var quantized = ExpertQuantizer.Quantize(loader, config, layer, expert, format);
        QuantizedExpertFile.Write(path, quantized, identity);
        outcome = problem is null ? Outcome.Created : Outcome.Rebuilt;
        return quantized;
    }

    /// <summary>
    /// SHA-256 over what identifies the expert's three source tensors: name, dtype, shape and byte range of each, and the
    /// length and last write time of the shard that holds it. Re-synthesising or replacing the checkpoint rewrites its
    /// shards (a new time), so it invalidates the cache without hashing gigabytes of bf16 at every start.
    /// </summary>
    public static string SourceFingerprint(CheckpointReader reader, int layer, int expert)
    {
        var text = new StringBuilder();
        foreach (var matrix in new[] { ExpertMatrix.W1, ExpertMatrix.W2, ExpertMatrix.W3 })
        {
            var entry = reader.Describe(TensorNames.Expert(layer, expert, matrix));
            var shard = new FileInfo(entry.FilePath);
            text.Append(CultureInfo.InvariantCulture, $"{entry.Name}|{entry.DType}|{entry.ShapeText}|{entry.DataOffset}|{entry.ByteLength}|");
            text.Append(CultureInfo.InvariantCulture, $"{shard.Name}|{shard.Length}|{shard.LastWriteTimeUtc.Ticks}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
