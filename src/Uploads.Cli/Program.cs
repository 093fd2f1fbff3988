using Patterns.Cdk.Uploads.Cli;
using Spectre.Console;

return await UploadCommand.RunAsync(args, AnsiConsole.Console, static options => new Patterns.Cdk.Uploads.Client.UploadClient(options), Environment.GetEnvironmentVariable);
