using Mixtral.Model.Checkpoint;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>Records reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class RecordingProgress : IProgress<LoadProgress>
{
    public List<LoadProgress> Reports { get; } = [];

    public void Report(LoadProgress value) => Reports.Add(value);
}
