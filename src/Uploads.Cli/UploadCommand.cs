using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Patterns.Cdk.Uploads.Client;
using Spectre.Console;

namespace Patterns.Cdk.Uploads.Cli;

/// <summary>
/// <c>patterns-upload &lt;file&gt; --api &lt;url&gt; [--region] [--api-id] [--parallel] [--content-type] [--resume &lt;uploadId&gt;]</c>.
/// Exit codes: 0 uploaded; 1 the upload failed or was cancelled; 2 the command line or the file is wrong.
/// </summary>
internal static partial class UploadCommand
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>Parses <paramref name="args"/> and runs the upload.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="console">Where messages and the progress bar go.</param>
    /// <param name="createClient">Makes the client from the options (tests give it a fake HTTP layer).</param>
    /// <param name="environment">Reads environment variables (AWS_REGION, AWS_DEFAULT_REGION).</param>
    /// <param name="cancellationToken">Stops the upload (Ctrl+C also does).</param>
    public static async Task<int> RunAsync(
        string[] args,
        IAnsiConsole console,
        Func<UploadClientOptions, UploadClient> createClient,
        Func<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        var file = new Argument<string>("file") { Description = "The file to upload." };
        var api = new Option<string>("--api") { Description = "The API's invoke URL with its stage, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1/ (private DNS) or https://vpce-0123-abcd.execute-api.eu-west-1.vpce.amazonaws.com/v1/ with --api-id.", Required = true };
        var region = new Option<string?>("--region") { Description = "The API's region. Default: AWS_REGION, AWS_DEFAULT_REGION, else read from the URL." };
        var apiId = new Option<string?>("--api-id") { Description = "The API's id, when --api is a VPC endpoint DNS name (sent as x-apigw-api-id)." };
        var parallel = new Option<int>("--parallel") { Description = "Parts uploaded at the same time (1..64).", DefaultValueFactory = _ => 8 };
        var contentType = new Option<string?>("--content-type") { Description = "The content type. Default: from the file's extension." };
        var resume = new Option<string?>("--resume") { Description = "Resume the interrupted upload with this id instead of starting a new one." };
        var root = new RootCommand("Uploads a file of any size through a Patterns.Cdk PrivateUploadApi (credentials: the AWS SDK's default chain).")
        {
            file, api, region, apiId, parallel, contentType, resume,
        };

        ParseResult parsed = root.Parse(args);
        if (parsed.Action is System.CommandLine.Help.HelpAction || parsed.Action?.GetType().Name == "VersionOptionAction")
        {
            // --help / --version: printed by System.CommandLine, whatever else is missing.
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = new AnsiWriter(console) }, cancellationToken).ConfigureAwait(false) == 0 ? Success : Usage;
        }

        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(error.Message)}");
            }

            console.MarkupLine("Run [bold]patterns-upload --help[/] for usage.");
            return Usage;
        }

        string path = parsed.GetValue(file)!;
        string apiText = parsed.GetValue(api)!;
        string? resumeId = parsed.GetValue(resume);
        var problems = new List<string>();
        if (!File.Exists(path))
        {
            problems.Add($"file: '{path}' does not exist");
        }

        if (!Uri.TryCreate(apiText, UriKind.Absolute, out Uri? apiUrl) || (apiUrl.Scheme != Uri.UriSchemeHttps && apiUrl.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"--api: '{apiText}' is not an http(s) URL");
            apiUrl = null;
        }

        string? regionName = parsed.GetValue(region) ?? environment("AWS_REGION") ?? environment("AWS_DEFAULT_REGION") ?? (apiUrl is null ? null : RegionOf(apiUrl));
        if (string.IsNullOrWhiteSpace(regionName))
        {
            problems.Add("--region: not given and not found in AWS_REGION, AWS_DEFAULT_REGION or the URL");
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(problem)}");
            }

            return Usage;
        }

        UploadClient client;
        try
        {
            client = createClient(new UploadClientOptions
            {
                ApiUrl = apiUrl!,
                Region = regionName!,
                ApiId = parsed.GetValue(apiId),
                MaxParallelParts = parsed.GetValue(parallel),
            });
        }
        catch (ArgumentException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return Usage;
        }

        using (client)
        {
            // Ctrl+C while the parts go out: the upload is aborted, then the tool exits with 1.
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                interrupt.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                UploadResult result = await RunWithProgressAsync(console, client, path, resumeId, parsed.GetValue(contentType), interrupt.Token).ConfigureAwait(false);
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[green]uploaded[/] {Markup.Escape(result.Key)} ({result.Size} bytes, {Markup.Escape(result.ContentType)}, upload id {result.UploadId})"));
                return Success;
            }
            catch (OperationCanceledException)
            {
                console.MarkupLine("[yellow]cancelled[/]: the upload was aborted.");
                return Failed;
            }
            catch (UploadApiException e)
            {
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[red]the API refused:[/] {(int)e.StatusCode} {Markup.Escape(e.Code)}: {Markup.Escape(e.Message)}"));
                return Failed;
            }
            catch (Exception e) when (e is UploadStorageException or IOException or InvalidOperationException or HttpRequestException or UnauthorizedAccessException)
            {
                console.MarkupLine($"[red]upload failed:[/] {Markup.Escape(e.Message)}");
                return Failed;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }

    /// <summary>The region in an API Gateway or execute-api VPC endpoint host name, or null.</summary>
    internal static string? RegionOf(Uri url)
    {
        Match match = RegionInHost().Match(url.Host);
        return match.Success ? match.Groups["region"].Value : null;
    }

    private static async Task<UploadResult> RunWithProgressAsync(IAnsiConsole console, UploadClient client, string path, string? resumeId, string? contentType, CancellationToken ct)
    {
        UploadResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(Path.GetFileName(path)), maxValue: Math.Max(1, new FileInfo(path).Length));
                var progress = new InlineProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.TotalBytes);
                    task.Value = p.TotalBytes == 0 ? task.MaxValue : p.BytesTransferred;
                });
                if (resumeId is not null)
                {
                    result = await client.ResumeAsync(resumeId, path, progress, ct).ConfigureAwait(false);
                }
                else
                {
                    var request = new UploadRequest
                    {
                        ContentType = contentType,
                        OnStarted = id => console.MarkupLine($"upload id [bold]{id}[/] (resume with --resume {id})"),
                    };
                    result = await client.UploadAsync(path, request, progress, ct).ConfigureAwait(false);
                }

                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result!;
    }

    [GeneratedRegex(@"\.execute-api\.(?<region>[a-z]{2}(-[a-z]+)+-\d+)\.(vpce\.)?amazonaws\.com$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionInHost();

    /// <summary>Lets System.CommandLine's help text go to the same console as everything else.</summary>
    private sealed class AnsiWriter(IAnsiConsole console) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void Write(char value) => console.Write(value.ToString());

        public override void Write(string? value) => console.Write(value ?? string.Empty);

        public override void WriteLine(string? value) => console.WriteLine(value ?? string.Empty);

        public override void WriteLine() => console.WriteLine();
    }

    /// <summary>Reports synchronously on the reporting thread (the progress bar is thread-safe; no context to post to).</summary>
    private sealed class InlineProgress(Action<UploadProgress> report) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => report(value);
    }
}
