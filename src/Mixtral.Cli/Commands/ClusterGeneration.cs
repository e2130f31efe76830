using System.Runtime.CompilerServices;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Grains.Coordinator;
using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;

namespace Mixtral.Cli.Commands;

/// <summary>Generation through a cluster: the request crosses the wire, the coordinator's events come back as engine events.</summary>
internal static class ClusterGeneration
{
    public static GenerateRequest Command(string? prompt, bool chat, int[]? ids, SamplingParams sampling) =>
        GenerateRequestMapper.ToWire(sampling, ids, chat ? null : prompt, chat ? [new ChatTurn("user", prompt!)] : null);

    public static async IAsyncEnumerable<GenerationEvent> EventsAsync(MixtralClusterClient client, GenerateRequest command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in client.GenerateAsync(command, cancellationToken))
        {
            if (e.TokenId >= 0 || e.Text.Length > 0) yield return new TokenGenerated(e.TokenId, e.Text);
            if (e.Summary is not null)
            {
                yield return new GenerationFinished(GenerateRequestMapper.FromWire(e.Summary));
                yield break;
            }
        }
    }
}
