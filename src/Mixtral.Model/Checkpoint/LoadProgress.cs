namespace Mixtral.Model.Checkpoint;

/// <summary>How far loading has come, reported after every tensor read by a <see cref="CheckpointReader"/>.</summary>
public sealed record LoadProgress(long BytesRead, long BytesTotal, int TensorsRead, int TensorsTotal, string CurrentTensor);
