using Mixtral.Model.Experts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Generation;

/// <summary>
/// Local experts that record, for every forward step, how many token rows layer 0 sent to experts (tokens × top-k),
/// and can hold the next step at layer 0 until told to go on.
/// </summary>
public sealed class CountingExperts(LocalExpertBackend inner) : IExpertBackend
{
    private readonly Lock _gate = new();
    private readonly List<int> _rows = [];
    private TaskCompletionSource? _paused;
    private TaskCompletionSource? _resume;

    /// <summary>Rows layer 0 sent to experts, one entry per step, in step order.</summary>
    public IReadOnlyList<int> RowsPerStep { get { lock (_gate) return [.. _rows]; } }

    /// <summary>Completes when the held step has reached layer 0.</summary>
    public Task Paused => _paused?.Task ?? throw new InvalidOperationException("call HoldNextStep first");

    /// <summary>Holds the next step that reaches layer 0 until <see cref="Resume"/>.</summary>
    public void HoldNextStep()
    {
        _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Resume() => _resume?.TrySetResult();

    /// <summary>Lets the held step go on and holds the one after it (armed before the held one moves).</summary>
    public void ResumeAndHoldNext()
    {
        var held = _resume;
        HoldNextStep();
        held?.TrySetResult();
    }

    /// <summary>
    /// Lets the engine go one step at a time, each only once the reader has taken the token the step before gave it
    /// (it releases <paramref name="tokenRead"/> per token), until <paramref name="done"/>; the step after that stays
    /// held until <see cref="Resume"/>. Call it while the step that prefills the reader's prompt is held. Free-running,
    /// the engine can finish a request hundreds of steps before the reader looks at its first token: on a 2-core thread
    /// pool the reader's continuations wait behind the engine's.
    /// </summary>
    public async Task StepWithReaderAsync(SemaphoreSlim tokenRead, Task done, TimeSpan limit)
    {
        while (true)
        {
            ResumeAndHoldNext();
            if (await Task.WhenAny(Paused, done).WaitAsync(limit) == done) return;
            var read = tokenRead.WaitAsync(limit);
            if (await Task.WhenAny(read, done) == done) return;
            if (!await read) throw new TimeoutException("the reader took no token within the limit");
        }
    }

    public async ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
    {
        if (layer == 0)
        {
            lock (_gate) _rows.Add(batches.Sum(b => (int)b.Rows.shape[0]));
            if (_paused is { Task.IsCompleted: false } paused)
            {
                var resume = _resume!; // before anyone can re-arm
                paused.TrySetResult();
                await resume.Task.WaitAsync(cancellationToken);
            }
        }
        return await inner.RunAsync(layer, batches, cancellationToken);
    }

    public void Dispose() => inner.Dispose();
}
