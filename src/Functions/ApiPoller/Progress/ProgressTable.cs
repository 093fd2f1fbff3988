using System.Globalization;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// Keys and attribute names of the progress table (docs/ApiPoller-contract.md, "DynamoDB table"). The Step Functions
/// states that write the job item natively (CompleteFetching, RecordBatchFailure, RecordJobFailure) use the same names.
/// </summary>
internal static class ProgressTable
{
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";
    public const string JobSortKey = "JOB";
    public const string GroupPrefix = "B#";

    /// <summary>Pages per progress item: small enough to stay far below the 400 KB item limit, large enough that a summary of a million pages is 10,000 items.</summary>
    public const int PagesPerGroup = 100;

    // Job item.
    public const string JobId = "jobId";
    public const string Source = "source";
    public const string Parameters = "parameters";
    public const string Status = "status";
    public const string Trigger = "trigger";
    public const string RequestHash = "requestHash";
    public const string CreatedBy = "createdBy";
    public const string RequestedAt = "requestedAt";
    public const string StartedAt = "startedAt";

    /// <summary>The Step Functions execution that moved the job to PLANNING: the only one allowed to plan and fetch it.</summary>
    public const string PlannedBy = "plannedBy";
    public const string FetchedAt = "fetchedAt";
    public const string FailedAt = "failedAt";
    public const string TotalPages = "totalPages";
    public const string FailedBatches = "failedBatches";
    public const string Error = "error";
    public const string ExpiresAt = "expiresAt";

    // Progress items: counters (the page states are p{page}, the failure reasons f{page}).
    public const string Saved = "saved";
    public const string Enqueued = "enqueued";
    public const string Completed = "completed";
    public const string FetchFailed = "fetchFailed";
    public const string ProcessingFailed = "processingFailed";

    public const string TriggerApi = "api";
    public const string TriggerSchedule = "schedule";

    public static string JobPartition(string jobId) => "JOB#" + jobId;

    /// <summary>Group of a page (pages are numbered from 1): <c>(page - 1) / 100</c>.</summary>
    public static int Group(int page) => (page - 1) / PagesPerGroup;

    /// <summary><c>B#{group:D8}</c>.</summary>
    public static string GroupSortKey(int group) => GroupPrefix + group.ToString("D8", CultureInfo.InvariantCulture);

    public static string PageAttribute(int page) => "p" + page.ToString(CultureInfo.InvariantCulture);

    public static string FailureAttribute(int page) => "f" + page.ToString(CultureInfo.InvariantCulture);

    /// <summary>ISO-8601 UTC with milliseconds, the format of every timestamp attribute.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
