namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The deadline of one forward step, over all of its layers' fan-outs: a fan-out for a layer not after the previous
/// one begins a new step (the model runs its layers in order, one step at a time), and every fan-out of the step runs
/// under what is left of the deadline. When it passes, the fan-out fails with <see cref="StepDeadlineExceededException"/>
/// naming the experts still unanswered, so the coordinator never waits unboundedly on a hung node and the engine fails
/// the step's requests with a retryable error.
/// </summary>
public sealed class StepDeadline(TimeSpan deadline, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _stepStarted;
    private int _lastLayer = int.MaxValue;

    public TimeSpan Deadline => deadline;

    /// <param name="waitingOn">Describes what the fan-out still waits on, for the error (e.g. "expert 3 on nodes a, b").</param>
    public async Task<T> RunAsync<T>(int layer, Func<CancellationToken, Task<T>> fanOut, Func<string> waitingOn, CancellationToken cancellationToken)
    {
        if (layer <= Volatile.Read(ref _lastLayer)) Volatile.Write(ref _stepStarted, _time.GetTimestamp());
        Volatile.Write(ref _lastLayer, layer);
        var left = deadline - _time.GetElapsedTime(Volatile.Read(ref _stepStarted));
        using var timer = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await fanOut(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StepDeadlineExceededException(
                $"the step passed its deadline of {deadline.TotalSeconds:0.###} s (--step-deadline) at layer {layer}, still waiting on {waitingOn()}", e);
        }
    }
}
