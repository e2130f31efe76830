using System.CommandLine;
using Mixtral.Bench;

var root = new RootCommand("Single-process Mixtral benchmarks") { DecodeCommand.Create() };
return await root.Parse(args).InvokeAsync();
