using Amazon.CDK.AWS.Lambda;

namespace Patterns.Cdk.Core;

/// <summary>
/// One Lambda entry point that ships inside this package: which zip holds it, and the handler string the
/// managed <c>dotnet10</c> runtime resolves (<c>Assembly::Namespace.Type::Method</c>).
/// </summary>
/// <param name="ZipName">File name of the embedded, deterministic zip (also its manifest resource suffix).</param>
/// <param name="Assembly">Assembly (without extension) that contains the entry type.</param>
/// <param name="Type">Full name of the public entry type (it has a public parameterless constructor).</param>
/// <param name="Method">Public <c>Task&lt;Stream&gt; Method(Stream)</c> the runtime calls.</param>
internal sealed record BundledHandler(string ZipName, string Assembly, string Type, string Method)
{
    /// <summary>Lambda rejects longer handler strings at deployment (CloudFormation validates it too late).</summary>
    public const int MaxHandlerLength = 128;

    /// <summary>The handler string Lambda expects.</summary>
    public string Handler => $"{Assembly}::{Type}::{Method}";

    /// <summary>Lambda's managed .NET 10 runtime. CDK 2.160 has no constant for it yet.</summary>
    public static Runtime Runtime { get; } = new("dotnet10", RuntimeFamily.DOTNET_CORE);

    /// <summary>Every bundled handler is built for Graviton.</summary>
    public static Architecture Architecture => Architecture.ARM_64;
}

/// <summary>
/// The single table of bundled handlers. The build (BundledHandlers.targets) produces one zip per handler
/// project; tests open every zip named here and prove the entry point exists.
/// </summary>
internal static class BundledHandlers
{
    private const string RecursionSafeZip = "recursion-safe-s3-processor.zip";
    private const string RecursionSafeAssembly = "RecursionSafeS3Processor.Handlers";
    private const string RecursionSafeNamespace = "Patterns.Cdk.Functions.RecursionSafeS3Processor";

    /// <summary>Checks the <c>original</c> marker with HeadObject and forwards originals to the work queue.</summary>
    public static readonly BundledHandler ObjectMetadataGuard = new(
        RecursionSafeZip, RecursionSafeAssembly, RecursionSafeNamespace + ".ObjectMetadataGuard", "HandleAsync");

    /// <summary>Records each new object revision in the ledger with a conditional write.</summary>
    public static readonly BundledHandler LedgerRecorder = new(
        RecursionSafeZip, RecursionSafeAssembly, RecursionSafeNamespace + ".LedgerRecorder", "HandleAsync");

    /// <summary>The bundled example processor: stamps SHA-256 and the sniffed content type on each object.</summary>
    public static readonly BundledHandler ContentStampProcessor = new(
        RecursionSafeZip, RecursionSafeAssembly, RecursionSafeNamespace + ".ContentStampProcessor", "HandleAsync");

    /// <summary>Blurs the faces in one uploaded image (FaceBlurPipeline).</summary>
    public static readonly BundledHandler FaceBlurWorker = new(
        "face-blur-pipeline.zip", "FaceBlurPipeline.Handlers", "Patterns.Cdk.Functions.FaceBlurPipeline.FaceBlurWorker", "HandleAsync");

    private const string ApiPollerZip = "api-poller.zip";
    private const string ApiPollerAssembly = "ApiPoller.Handlers";
    private const string ApiPollerNamespace = "Patterns.Cdk.Functions.ApiPoller";

    /// <summary>ApiPoller's HTTP API: POST /jobs, GET /jobs/{id}, GET /jobs/{id}/tasks.</summary>
    public static readonly BundledHandler ApiPollerJobApi = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".JobApi", "HandleAsync");

    /// <summary>ApiPoller's first workflow step: registers the job and plans its pages.</summary>
    public static readonly BundledHandler ApiPollerJobPlanner = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".JobPlanner", "HandleAsync");

    /// <summary>ApiPoller's fan-out child: fetches one batch of pages into S3 and enqueues pointers.</summary>
    public static readonly BundledHandler ApiPollerPageFetcher = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".PageFetcher", "HandleAsync");

    /// <summary>ApiPoller's cursor loop step: fetches sequential pages while carrying the cursor.</summary>
    public static readonly BundledHandler ApiPollerCursorFetcher = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".CursorFetcher", "HandleAsync");

    /// <summary>ApiPoller's queue consumer: processes each saved page and records its completion.</summary>
    public static readonly BundledHandler ApiPollerTaskConsumer = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".TaskConsumer", "HandleAsync");

    /// <summary>The sample app's demo partner API: paged fake data with random delays and errors.</summary>
    public static readonly BundledHandler ApiPollerDemoPartner = new(
        ApiPollerZip, ApiPollerAssembly, ApiPollerNamespace + ".DemoPartner", "HandleAsync");

    /// <summary>All bundled handlers.</summary>
    public static IReadOnlyList<BundledHandler> All { get; } =
    [
        ObjectMetadataGuard, LedgerRecorder, ContentStampProcessor, FaceBlurWorker,
        ApiPollerJobApi, ApiPollerJobPlanner, ApiPollerPageFetcher, ApiPollerCursorFetcher, ApiPollerTaskConsumer, ApiPollerDemoPartner,
    ];
}
