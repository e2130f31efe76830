using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Statistics;
using Mixtral.Model;
using Mixtral.Model.Generation;
using Orleans.Streams;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Statistics;

/// <summary>
/// The coordinator's live routing: an <see cref="IForwardObserver"/> on the engine's steps copies each layer's router
/// choices to the host, and a pump in the coordinator's grain context publishes the finished steps on the routing
/// stream (several steps per message when the engine is ahead). The model knows nothing of this; a failed publish
/// is logged and never touches serving.
/// </summary>
public sealed partial class RoutingPublisher : IForwardObserver, IDisposable
{
    private readonly int _layers;
    private readonly int[][] _current;
    private readonly Channel<int[][]> _steps = Channel.CreateUnbounded<int[][]>(new() { SingleReader = true, SingleWriter = true });
    private readonly ILogger _logger;

    private RoutingPublisher(int layers, ILogger logger)
    {
        _layers = layers;
        _current = new int[layers][];
        _logger = logger;
    }

    /// <summary>Observes <paramref name="engine"/>'s steps and publishes them from <paramref name="grain"/>'s context.</summary>
    public static RoutingPublisher Start(Grain grain, InferenceEngine engine, ILogger logger)
    {
        var publisher = new RoutingPublisher(engine.Model.Config.NumHiddenLayers, logger);
        var stream = grain.GetStreamProvider(RoutingStreamNames.Provider)
            .GetStream<RoutingStepBatch>(StreamId.Create(RoutingStreamNames.Namespace, RoutingStreamNames.Key));
        engine.StepObserver = publisher;
        _ = publisher.PumpAsync(stream); // started here, so it runs on the grain's scheduler
        return publisher;
    }

    void IForwardObserver.OnRouting(int layer, Tensor expertIds, Tensor weights) // [N, K] int64
    {
        using var ids = expertIds.to(ScalarType.Int32).cpu().contiguous();
        _current[layer] = ids.data<int>().ToArray();
        if (layer == _layers - 1) _steps.Writer.TryWrite((int[][])_current.Clone());
    }

    private async Task PumpAsync(IAsyncStream<RoutingStepBatch> stream)
    {
        var reader = _steps.Reader;
        while (await reader.WaitToReadAsync())
        {
            var batch = new List<int[][]>();
            while (batch.Count < 256 && reader.TryRead(out var step)) batch.Add(step);
            try
            {
                await stream.OnNextAsync(new RoutingStepBatch([.. batch]));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPublishFailed(e, batch.Count);
            }
        }
    }

    public void Dispose() => _steps.Writer.TryComplete();

    [LoggerMessage(Level = LogLevel.Warning, Message = "routing statistics: {Steps} steps could not be published")]
    private partial void LogPublishFailed(Exception e, int steps);
}
