using System.Runtime.CompilerServices;

// The tests drive TensorMemory's slicing (used by tensors over 1 GiB) with a small slice size, so the path
// that real checkpoints rarely take is still exercised on every run.
[assembly: InternalsVisibleTo("Mixtral.Model.Tests")]
