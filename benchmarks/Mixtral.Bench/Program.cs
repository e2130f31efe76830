using System.CommandLine;
using Mixtral.Bench;
using Mixtral.Bench.LongPrefill;
using Mixtral.Model.Kernels;

// As the CLI does; an OMP_WAIT_POLICY set by the caller is kept (ACTIVE: spinning, to compare).
LibTorchThreads.PreferSleepingWaits();
HugePages.PreferForLibTorchTensors();

var root = new RootCommand("Single-process Mixtral benchmarks")
{
    DecodeCommand.Create(), KernelsCommand.Create(), ComputePeakCommand.Create(), Mixtral.Bench.Gguf.ExportGgufCommand.Create(), Mixtral.Bench.SideBySide.SideBySideCommand.Create(), LongPrefillCommand.Create(), CacheLoadCommand.Create(), StepProfileCommand.Create(), ManyRowsCommand.Create(),
    Mixtral.Bench.Int8Bound.Int8BoundCommand.Create(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message}");
    return 2;
}
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException
    or Mixtral.Model.Config.ModelFormatException or Mixtral.Tokenization.TokenizerFormatException)
{
    Console.Error.WriteLine($"error: {e.Message}"); // bad flags, a missing, unreadable or malformed model folder: one line, no stack trace
    return e is ArgumentException ? 2 : 1;
}
