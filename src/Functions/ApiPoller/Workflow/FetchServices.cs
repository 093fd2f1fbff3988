using System.Globalization;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Secrets;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// What the planner and the fetchers work with, created once per container: the source catalog, the progress store,
/// the payload bucket, the work queue, the partner clients and the time box settings. Read from the environment
/// (<see cref="FromEnvironment"/>) in Lambda; assembled directly in tests.
/// </summary>
internal sealed record FetchServices
{
    /// <summary>The function's configured timeout, in seconds (the construct sets it; the entry points have no Lambda context to ask).</summary>
    public const string FunctionTimeoutVariable = "FUNCTION_TIMEOUT_SECONDS";

    /// <summary>The Distributed Map's MaxItemsPerBatch, reported in the plan.</summary>
    public const string PagesPerBatchVariable = "PAGES_PER_BATCH";

    public const int DefaultPagesPerBatch = 25;

    /// <summary>Assumed when <see cref="FunctionTimeoutVariable"/> is not set: short, so an invocation rather returns early than times out.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromSeconds(60);

    public required SourceCatalog Catalog { get; init; }

    public required ProgressStore Progress { get; init; }

    public required PageStore Store { get; init; }

    /// <summary>Null for the planner, which enqueues nothing.</summary>
    public PagePointerQueue? Queue { get; init; }

    public required PartnerClientFactory Partners { get; init; }

    public required TimeProvider Clock { get; init; }

    public TimeSpan FunctionTimeout { get; init; } = DefaultFunctionTimeout;

    public int PagesPerBatch { get; init; } = DefaultPagesPerBatch;

    public PagePointerQueue RequiredQueue => Queue ?? throw new InvalidOperationException("QUEUE_URL is required by the fetchers but not set.");

    /// <summary>Reads <c>TABLE_NAME</c>, <c>JOB_TTL_DAYS</c>, <c>PAYLOAD_BUCKET</c>, <c>API_POLLER_SOURCES</c>, <c>AWS_REGION</c>,
    /// <c>QUEUE_URL</c> (when <paramref name="needsQueue"/>) and the optional <see cref="FunctionTimeoutVariable"/> and <see cref="PagesPerBatchVariable"/>.</summary>
    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static FetchServices FromEnvironment(Func<string, string?> environment, JsonLog log, bool needsQueue, string component)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        ProgressSettings progress = ProgressSettings.Read(reader);
        string bucket = reader.Required("PAYLOAD_BUCKET");
        string region = reader.Required("AWS_REGION");
        string? queueUrl = needsQueue ? reader.Required("QUEUE_URL") : null;
        int timeoutSeconds = OptionalPositive(reader, environment, FunctionTimeoutVariable, (int)DefaultFunctionTimeout.TotalSeconds);
        int pagesPerBatch = OptionalPositive(reader, environment, PagesPerBatchVariable, DefaultPagesPerBatch);
        reader.ThrowIfInvalid(component);
        SourceCatalog catalog = SourceCatalog.FromEnvironment(environment);

        RegionEndpoint endpoint = RegionEndpoint.GetBySystemName(region);
        var timing = PartnerTiming.System;
        return new FetchServices
        {
            Catalog = catalog,
            Progress = new ProgressStore(new AmazonDynamoDBClient(endpoint), progress),
            Store = new PageStore(new AmazonS3Client(endpoint), bucket),
            Queue = queueUrl is null ? null : new PagePointerQueue(new AmazonSQSClient(endpoint), queueUrl),
            Partners = new PartnerClientFactory(
                PartnerClient.CreateHttpClient(),
                new CachedSecretReader(SecretsManagerSecretReader.CreateDefault(region), timing.Clock),
                timing,
                log),
            Clock = timing.Clock,
            FunctionTimeout = TimeSpan.FromSeconds(timeoutSeconds),
            PagesPerBatch = pagesPerBatch,
        };
    }

    private static int OptionalPositive(SettingsReader reader, Func<string, string?> environment, string name, int defaultValue)
    {
        string? value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0)
        {
            return number;
        }

        reader.AddProblem($"{name} must be a whole number greater than zero (got '{value}')");
        return defaultValue;
    }
}
