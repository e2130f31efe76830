using Mixtral.Cli;

return await CliApp.RunAsync(args);
