using Mixtral.Cli;
using Mixtral.Model.Kernels;

LibTorchThreads.PreferSleepingWaits(); // before anything loads LibTorch (OpenMP reads it then)
HugePages.PreferForLibTorchTensors(); // before the first tensor (the allocator reads it then)
return await CliApp.RunAsync(args);
