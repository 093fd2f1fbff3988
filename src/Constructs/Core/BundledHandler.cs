using Amazon.CDK.AWS.Lambda;

namespace Patterns.Cdk.Core;

/// <summary>
/// One Lambda entry point that ships inside this package: which zip holds it, and the handler string its
/// <c>bootstrap</c> dispatches on. Every zip holds one Native AOT executable, <c>bootstrap</c>, for Lambda's
/// <c>provided.al2023</c> runtime on arm64; it reads the function's handler string (<c>_HANDLER</c>) and runs that entry
/// point (src/Functions/*/Bootstrap.cs lists them).
/// </summary>
/// <param name="ZipName">File name of the embedded, deterministic zip (also its manifest resource suffix).</param>
/// <param name="Entry">The handler string: the name of the entry point in its zip's <c>Bootstrap.Handlers</c> table.</param>
internal sealed record BundledHandler(string ZipName, string Entry)
{
    /// <summary>Lambda rejects longer handler strings at deployment (CloudFormation validates it too late).</summary>
    public const int MaxHandlerLength = 128;

    /// <summary>The handler string Lambda passes to <c>bootstrap</c> as <c>_HANDLER</c>.</summary>
    public string Handler => Entry;

    /// <summary>Lambda's OS-only runtime on Amazon Linux 2023: it runs the zip's <c>bootstrap</c> executable.</summary>
    public static Runtime Runtime => Runtime.PROVIDED_AL2023;

    /// <summary>Every bundled handler is built for Graviton.</summary>
    public static Architecture Architecture => Architecture.ARM_64;
}

/// <summary>
/// The single table of bundled handlers. The build (BundledHandlers.targets) produces one zip per handler
/// project; tests open every zip named here, check its arm64 <c>bootstrap</c> and run each entry under qemu.
/// </summary>
internal static class BundledHandlers
{
    private const string RecursionSafeZip = "recursion-safe-s3-processor.zip";

    /// <summary>Checks the <c>original</c> marker with HeadObject and forwards originals to the work queue.</summary>
    public static readonly BundledHandler ObjectMetadataGuard = new(RecursionSafeZip, "ObjectMetadataGuard");

    /// <summary>Records each new object revision in the ledger with a conditional write.</summary>
    public static readonly BundledHandler LedgerRecorder = new(RecursionSafeZip, "LedgerRecorder");

    /// <summary>The bundled example processor: stamps SHA-256 and the sniffed content type on each object.</summary>
    public static readonly BundledHandler ContentStampProcessor = new(RecursionSafeZip, "ContentStampProcessor");

    /// <summary>Blurs the faces in one uploaded image (FaceBlurPipeline).</summary>
    public static readonly BundledHandler FaceBlurWorker = new("face-blur-pipeline.zip", "FaceBlurWorker");

    private const string ApiPollerZip = "api-poller.zip";

    /// <summary>ApiPoller's HTTP API: POST /jobs, GET /jobs/{id}, GET /jobs/{id}/tasks.</summary>
    public static readonly BundledHandler ApiPollerJobApi = new(ApiPollerZip, "JobApi");

    /// <summary>ApiPoller's first workflow step: registers the job and plans its pages.</summary>
    public static readonly BundledHandler ApiPollerJobPlanner = new(ApiPollerZip, "JobPlanner");

    /// <summary>ApiPoller's fan-out child: fetches one batch of pages into S3 and enqueues pointers.</summary>
    public static readonly BundledHandler ApiPollerPageFetcher = new(ApiPollerZip, "PageFetcher");

    /// <summary>ApiPoller's cursor loop step: fetches sequential pages while carrying the cursor.</summary>
    public static readonly BundledHandler ApiPollerCursorFetcher = new(ApiPollerZip, "CursorFetcher");

    /// <summary>ApiPoller's queue consumer: processes each saved page and records its completion.</summary>
    public static readonly BundledHandler ApiPollerTaskConsumer = new(ApiPollerZip, "TaskConsumer");

    /// <summary>The sample app's demo partner API: paged fake data with random delays and errors.</summary>
    public static readonly BundledHandler ApiPollerDemoPartner = new(ApiPollerZip, "DemoPartner");

    private const string SettlementZip = "event-driven-settlement.zip";

    /// <summary>EventDrivenSettlement's queue consumer: validates each Fraud.Not.Detected event and writes its settlement with a conditional put.</summary>
    public static readonly BundledHandler SettlementConsumer = new(SettlementZip, "SettlementConsumer");

    /// <summary>EventDrivenSettlement's REST API: POST /settlements and GET /settlements/{claimId} (the same logic and conditional put).</summary>
    public static readonly BundledHandler SettlementApi = new(SettlementZip, "SettlementApi");

    private const string MwaaSchedulerZip = "mwaa-scheduler.zip";

    /// <summary>MwaaScheduler's Airflow REST calls through MWAA InvokeRestApi: un-pause and trigger a DAG run, read its state.</summary>
    public static readonly BundledHandler MwaaDagRuns = new(MwaaSchedulerZip, "MwaaDagRuns");

    /// <summary>MwaaScheduler's backups: save the environment's configuration, verify a backup against its manifest, load the latest verified one.</summary>
    public static readonly BundledHandler MwaaBackupCatalog = new(MwaaSchedulerZip, "MwaaBackupCatalog");

    /// <summary>MwaaScheduler's lock against a pause and a resume overlapping: conditional writes with an expiry.</summary>
    public static readonly BundledHandler MwaaLock = new(MwaaSchedulerZip, "MwaaLock");

    private const string PrivateUploadApiZip = "private-upload-api.zip";

    /// <summary>PrivateUploadApi's session routes: start an upload (presigned POST or multipart), mint part URLs, read and abort it.</summary>
    public static readonly BundledHandler PrivateUploadSessions = new(PrivateUploadApiZip, "UploadSessions");

    /// <summary>PrivateUploadApi's completion: checks what S3 holds, completes, publishes Upload.Completed.</summary>
    public static readonly BundledHandler PrivateUploadCompleter = new(PrivateUploadApiZip, "UploadCompleter");

    /// <summary>PrivateUploadApi's direct upload of a small file through the API (PUT /files/{fileName}).</summary>
    public static readonly BundledHandler PrivateUploadDirect = new(PrivateUploadApiZip, "DirectUpload");

    /// <summary>All bundled handlers.</summary>
    public static IReadOnlyList<BundledHandler> All { get; } =
    [
        ObjectMetadataGuard, LedgerRecorder, ContentStampProcessor, FaceBlurWorker,
        ApiPollerJobApi, ApiPollerJobPlanner, ApiPollerPageFetcher, ApiPollerCursorFetcher, ApiPollerTaskConsumer, ApiPollerDemoPartner,
        SettlementConsumer, SettlementApi,
        MwaaDagRuns, MwaaBackupCatalog, MwaaLock,
        PrivateUploadSessions, PrivateUploadCompleter, PrivateUploadDirect,
    ];
}
