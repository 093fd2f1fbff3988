using System.Diagnostics;
using Amazon.DynamoDBv2;
using Patterns.Cdk.Functions.ApiPoller.Api;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The job API behind the HTTP API (payload format 2.0, every route IAM-authorized; docs/ApiPoller-contract.md):
/// <c>POST /jobs</c> validates the request against the configured source and conditionally writes the job item
/// (status REQUESTED) — the item is the outbox the workflow starts from; <c>GET /jobs/{id}</c> returns the job's exact
/// counters and derived state; <c>GET /jobs/{id}/tasks</c> lists its pages. A job is recorded with its creator
/// (<see cref="JobCaller"/>) and those two routes show it to its creator only: to anyone else it is unknown (404, the
/// same answer as a job that does not exist). <c>GET /admin/jobs/{id}</c> and <c>GET /admin/jobs/{id}/tasks</c> show
/// any job, scheduled ones included; IAM decides who may call them (ApiPoller.GrantReadAllJobs). Every outcome is an HTTP response
/// (4xx for the caller's mistakes, 500 for a failure of ours); one JSON log line per request, with the request id.
/// Handler string: <c>JobApi</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class JobApi
{
    private readonly JobRequestReader _reader;
    private readonly ProgressStore _store;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads <c>API_POLLER_SOURCES</c>, <c>TABLE_NAME</c> and <c>JOB_TTL_DAYS</c> and creates the client once.</summary>
    public JobApi()
        : this(Environment.GetEnvironmentVariable, new AmazonDynamoDBClient(), log: null, clock: null)
    {
    }

    internal JobApi(Func<string, string?> environment, IAmazonDynamoDB dynamoDb, JsonLog? log, TimeProvider? clock)
        : this(SourceCatalog.FromEnvironment(environment), new ProgressStore(dynamoDb, ReadSettings(environment), clock), log)
    {
    }

    internal JobApi(SourceCatalog catalog, ProgressStore store, JsonLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(store);
        _reader = new JobRequestReader(catalog);
        _store = store;
        _log = log ?? JsonLog.CreateDefault();
    }

    /// <summary>Lambda entry point: an HTTP API payload format 2.0 event in, a structured response out.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        HttpApiV2Request request = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.HttpApiV2Request);
        HttpApiV2Response response = await HandleAsync(request);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.HttpApiV2Response);
    });

    internal async Task<HttpApiV2Response> HandleAsync(HttpApiV2Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long started = Stopwatch.GetTimestamp();
        JsonLog log = _log.With(("requestId", request.RequestContext.RequestId), ("method", request.RequestContext.Http.Method), ("path", request.RawPath));
        var outcome = new RequestOutcome();
        HttpApiV2Response response;
        try
        {
            response = await RouteAsync(request, outcome);
        }
        catch (Exception e)
        {
            log.Error("request failed", e);
            response = ApiResponse.Error(500, "InternalError", "the request could not be handled; retry it (with the same Idempotency-Key for POST /jobs)");
        }

        LogField[] fields = [("status", response.StatusCode), ("jobId", outcome.JobId), ("source", outcome.Source), ("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)];
        log.Write(response.StatusCode >= 500 ? LogLevel.Error : LogLevel.Info, outcome.Message ?? "request handled", null, fields);
        return response;
    }

    private Task<HttpApiV2Response> RouteAsync(HttpApiV2Request request, RequestOutcome outcome)
    {
        (JobResource resource, string? jobId) = JobRoutes.Match(request);
        string method = request.RequestContext.Http.Method;
        if (resource == JobResource.None)
        {
            return Task.FromResult(ApiResponse.NotFound("no such resource: the API serves POST /jobs, GET /jobs/{id} and GET /jobs/{id}/tasks"));
        }

        string allowed = JobRoutes.Allowed(resource);
        if (!string.Equals(method, allowed, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(ApiResponse.MethodNotAllowed(allowed));
        }

        // Reads through /jobs are the creator's; the admin routes (IAM-granted apart) read any job.
        string? reader = resource is JobResource.AnyJob or JobResource.AnyJobTasks ? null : JobCaller.Of(request);
        return resource switch
        {
            JobResource.Jobs => CreateJobAsync(request, outcome),
            JobResource.Job or JobResource.AnyJob => GetJobAsync(jobId, reader, outcome),
            _ => ListTasksAsync(request, jobId, reader, outcome),
        };
    }

    private async Task<HttpApiV2Response> CreateJobAsync(HttpApiV2Request request, RequestOutcome outcome)
    {
        string? idempotencyKey = request.Header("idempotency-key");
        if (idempotencyKey is not null && !JobIds.IsValidIdempotencyKey(idempotencyKey))
        {
            return ApiResponse.Invalid($"the Idempotency-Key header must be 1-{JobIds.MaxIdempotencyKeyLength} characters of [A-Za-z0-9._:-]");
        }

        (JobRequest? jobRequest, HttpApiV2Response? rejection) = _reader.Read(request);
        if (jobRequest is null)
        {
            outcome.Message = "job request rejected";
            return rejection!;
        }

        outcome.Source = jobRequest.Source.Name;
        string caller = JobCaller.Of(request);
        string jobId = idempotencyKey is null ? JobIds.New() : JobIds.FromIdempotencyKey(caller, idempotencyKey);
        outcome.JobId = jobId;
        var job = NewJob.Create(jobId, jobRequest.Source, jobRequest.Parameters, ProgressTable.TriggerApi, caller);
        JobCreation creation = await _store.CreateJobAsync(job);
        if (!creation.Created && !string.Equals(creation.Job.RequestHash, job.Request.Hash, StringComparison.Ordinal))
        {
            outcome.Message = "idempotency key reused for a different request";
            return ApiResponse.Error(409, "IdempotencyKeyReused", "this Idempotency-Key was used for a different request; use a new key for a new job");
        }

        outcome.Message = creation.Created ? "job requested" : "job request repeated; the existing job is returned";
        string self = "/jobs/" + jobId;
        var accepted = new JobAccepted(jobId, creation.Job.Status.ToStoredName(), new JobLinks(self, self + "/tasks"));
        return ApiResponse.Json(202, accepted, ApiJsonContext.Default.JobAccepted, ("location", self));
    }

    private async Task<HttpApiV2Response> GetJobAsync(string? jobId, string? reader, RequestOutcome outcome)
    {
        if (await ReadableJobAsync(jobId, reader, outcome) is not { } job)
        {
            return UnknownJob();
        }

        outcome.JobId = jobId;
        outcome.Source = job.Source;
        var summary = new JobSummary(job, await _store.CountTasksAsync(job.JobId));
        return ApiResponse.Json(200, JobStatusBodyOf(summary), ApiJsonContext.Default.JobStatusBody);
    }

    private async Task<HttpApiV2Response> ListTasksAsync(HttpApiV2Request request, string? jobId, string? reader, RequestOutcome outcome)
    {
        if (await ReadableJobAsync(jobId, reader, outcome) is not { } job)
        {
            return UnknownJob();
        }

        outcome.JobId = jobId;
        outcome.Source = job.Source;
        var problems = new List<string>(2);
        if (!JobRoutes.TryReadLimit(request, out int limit))
        {
            problems.Add($"limit must be a whole number from 1 to {JobRoutes.MaxTaskLimit}");
        }

        int fromPage = 1;
        if (JobRoutes.NextToken(request) is { } token && !TaskListToken.TryDecode(token, job.JobId, out fromPage))
        {
            problems.Add("nextToken is not a token returned by this listing");
        }

        if (problems.Count > 0)
        {
            return ApiResponse.Invalid(problems);
        }

        TaskListing listing = await _store.ListTasksAsync(job, fromPage, limit);
        var body = new TaskListBody(
            listing.Tasks.Select(task => new TaskBody(task.Page, task.State.ToApiName(), task.Failure)).ToArray(),
            listing.NextToken);
        return ApiResponse.Json(200, body, ApiJsonContext.Default.TaskListBody);
    }

    private static JobStatusBody JobStatusBodyOf(JobSummary summary)
    {
        JobRecord job = summary.Job;
        TaskCounts counts = summary.Counts;
        return new JobStatusBody
        {
            JobId = job.JobId,
            Source = job.Source,
            Parameters = JobParameters.FromStoredJson(job.Parameters).Values.ToDictionary(StringComparer.Ordinal),
            Trigger = job.Trigger,
            Status = job.Status.ToStoredName(),
            State = JobSummary.ApiName(summary.State),
            TotalPages = job.TotalPages,
            Counts = new TaskCountsBody(summary.Planned, counts.Saved, counts.Enqueued, counts.Completed, counts.FetchFailed, counts.ProcessingFailed, summary.NotFetched),
            Progress = Math.Round(summary.Progress, 4),
            FailedBatches = job.FailedBatches,
            RequestedAt = job.RequestedAt,
            StartedAt = job.StartedAt,
            FetchedAt = job.FetchedAt,
            FailedAt = job.FailedAt,
            Error = job.Error,
        };
    }

    /// <summary>
    /// The job, when <paramref name="reader"/> may see it: its creator, or anyone (null reader: an admin route). A job of
    /// another caller costs the same single read as an unknown one and is answered the same, so ids cannot be probed.
    /// </summary>
    private async Task<JobRecord?> ReadableJobAsync(string? jobId, string? reader, RequestOutcome outcome)
    {
        if (!JobIds.IsWellFormed(jobId) || await _store.GetJobAsync(jobId!) is not { } job)
        {
            return null;
        }

        if (reader is not null && !string.Equals(job.CreatedBy, reader, StringComparison.Ordinal))
        {
            outcome.Message = "job of another creator (or a scheduled job) answered as unknown";
            return null;
        }

        return job;
    }

    private static HttpApiV2Response UnknownJob() => ApiResponse.NotFound("no job has this id");

    private static ProgressSettings ReadSettings(Func<string, string?> environment)
    {
        var reader = new SettingsReader(environment);
        ProgressSettings settings = ProgressSettings.Read(reader);
        reader.ThrowIfInvalid(nameof(JobApi));
        return settings;
    }

    /// <summary>What the request log line reports.</summary>
    private sealed class RequestOutcome
    {
        public string? JobId { get; set; }

        public string? Source { get; set; }

        public string? Message { get; set; }
    }
}
