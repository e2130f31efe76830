using System.Text.Json;

namespace Mixtral.Gateway.Tgi;

/// <summary>POST /generate, /generate_stream and / (which streams when "stream" is true): TGI's request.</summary>
public sealed record TgiGenerateRequest(string? Inputs, TgiParameters? Parameters, bool? Stream);

/// <summary>TGI's parameters under its names; those that would change the output and are not implemented are refused, naming them.</summary>
public sealed record TgiParameters
{
    public int? MaxNewTokens { get; init; }
    public bool? DoSample { get; init; }
    public double? Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public long? Seed { get; init; }
    public JsonElement? Stop { get; init; }
    public bool? Details { get; init; }
    public bool? ReturnFullText { get; init; }
    public bool? DecoderInputDetails { get; init; }
    public int? BestOf { get; init; }
    public double? TypicalP { get; init; }
    public bool? Watermark { get; init; }
    public int? Truncate { get; init; }
    public int? TopNTokens { get; init; }
    public double? FrequencyPenalty { get; init; }
    public JsonElement? Grammar { get; init; }
}
