using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// Every read and write of the progress table (docs/ApiPoller-contract.md, "DynamoDB table") except the three the
/// workflow makes natively. All writes are conditional and monotonic, and every write refreshes <c>expiresAt</c>
/// (now + <c>JOB_TTL_DAYS</c>, epoch seconds), so a job's items expire together, that long after its last change.
/// <list type="bullet">
/// <item>Job: created once (<see cref="CreateJobAsync"/>); its status only moves up in rank (<see cref="MoveJobAsync"/>).</item>
/// <item>Pages: <see cref="MoveTaskAsync"/> changes a page's state and the matching counters in ONE UpdateItem conditioned
/// on the exact previous state, retrying with the state it finds on a conflict; so the counters are exact under any
/// interleaving of concurrent, duplicate and late writers, without transactions.</item>
/// </list>
/// Thread-safe.
/// </summary>
internal sealed class ProgressStore
{
    /// <summary>A page has six states; every conflict means its state moved up, so this bound is never reached by a correct table.</summary>
    private const int MaxAttempts = 8;

    private const string NewJobOnly = "attribute_not_exists(" + ProgressTable.PartitionKey + ")";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly ProgressSettings _settings;
    private readonly TimeProvider _clock;

    public ProgressStore(IAmazonDynamoDB dynamoDb, ProgressSettings settings, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(settings);
        _dynamoDb = dynamoDb;
        _settings = settings;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// Puts the job item (status REQUESTED) unless one with this id exists. An existing job is returned as it is
    /// (<see cref="JobCreation.Created"/> false): the caller decides whether it is the same request (idempotent repeat)
    /// or a conflict, by comparing <see cref="JobRecord.RequestHash"/> with <see cref="NewJob.Request"/>.
    /// </summary>
    public async Task<JobCreation> CreateJobAsync(NewJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        DateTimeOffset now = _clock.GetUtcNow();
        var item = new Dictionary<string, AttributeValue>
        {
            [ProgressTable.PartitionKey] = S(ProgressTable.JobPartition(job.JobId)),
            [ProgressTable.SortKey] = S(ProgressTable.JobSortKey),
            [ProgressTable.JobId] = S(job.JobId),
            [ProgressTable.Source] = S(job.Source),
            [ProgressTable.Parameters] = S(job.Parameters.ToJson()),
            [ProgressTable.Status] = S(JobStatus.Requested.ToStoredName()),
            [ProgressTable.Trigger] = S(job.Trigger),
            [ProgressTable.RequestHash] = S(job.Request.Hash),
            [ProgressTable.RequestedAt] = S(ProgressTable.Timestamp(now)),
            [ProgressTable.ExpiresAt] = N(_settings.ExpiresAt(now)),
        };
        if (job.CreatedBy is { } createdBy)
        {
            item[ProgressTable.CreatedBy] = S(createdBy);
        }

        try
        {
            await _dynamoDb.PutItemAsync(
                new PutItemRequest
                {
                    TableName = _settings.TableName,
                    Item = item,
                    ConditionExpression = NewJobOnly,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
            return new JobCreation(true, JobRecord.FromItem(item));
        }
        catch (ConditionalCheckFailedException e)
        {
            JobRecord existing = (e.Item is { Count: > 0 } old ? JobRecord.FromItem(old) : await GetJobAsync(job.JobId, cancellationToken))
                ?? throw new InvalidOperationException($"job {job.JobId} existed when it was created but is gone now (expired or deleted); retry the request", e);
            return new JobCreation(false, existing);
        }
    }

    /// <summary>The job item (strongly consistent read), or null when no job has this id.</summary>
    public async Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        GetItemResponse response = await _dynamoDb.GetItemAsync(
            new GetItemRequest { TableName = _settings.TableName, Key = JobKey(jobId), ConsistentRead = true },
            cancellationToken);
        return response.Item is { Count: > 0 } item ? JobRecord.FromItem(item) : null;
    }

    /// <summary>
    /// Moves the job to <paramref name="to"/> if its status has a lower rank, stamping <c>startedAt</c> (PLANNING),
    /// <c>fetchedAt</c> (FETCHED) or <c>failedAt</c> (FAILED), and setting <c>totalPages</c> and <c>error</c> when given.
    /// A job already at or past <paramref name="to"/> is left alone: a duplicate start or a late writer is a no-op.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="to">The new status.</param>
    /// <param name="totalPages">Pages of the job, when known (the planner's FETCHING move).</param>
    /// <param name="error">A code and a short message, never payload data (FAILED only).</param>
    /// <param name="owner">The execution taking the job to PLANNING, stored as <c>plannedBy</c>: a second execution
    /// started for the same job (the pipe delivers at least once) then finds the job planned by someone else.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<JobMove> MoveJobAsync(
        string jobId, JobStatus to, long? totalPages = null, string? error = null, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (to == JobStatus.Requested)
        {
            throw new ArgumentException("a job is created REQUESTED; it cannot move there", nameof(to));
        }

        if (totalPages is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(totalPages), totalPages, "totalPages cannot be negative");
        }

        DateTimeOffset now = _clock.GetUtcNow();
        var names = new Dictionary<string, string> { ["#status"] = ProgressTable.Status, ["#exp"] = ProgressTable.ExpiresAt };
        var values = new Dictionary<string, AttributeValue>
        {
            [":to"] = S(to.ToStoredName()),
            [":exp"] = N(_settings.ExpiresAt(now)),
        };
        var set = new List<string> { "#status = :to", "#exp = :exp" };
        if (TimestampOf(to) is { } stamp)
        {
            names["#at"] = stamp;
            values[":at"] = S(ProgressTable.Timestamp(now));
            set.Add("#at = :at");
        }

        if (totalPages is { } total)
        {
            names["#total"] = ProgressTable.TotalPages;
            values[":total"] = N(total);
            set.Add("#total = :total");
        }

        if (owner is not null)
        {
            names["#owner"] = ProgressTable.PlannedBy;
            values[":owner"] = S(owner);
            set.Add("#owner = :owner");
        }

        if (error is not null)
        {
            names["#error"] = ProgressTable.Error;
            values[":error"] = S(error);
            set.Add("#error = :error");
        }

        IReadOnlyList<JobStatus> from = to.Predecessors();
        for (int i = 0; i < from.Count; i++)
        {
            values[$":from{i}"] = S(from[i].ToStoredName());
        }

        string condition = $"attribute_exists({ProgressTable.PartitionKey}) AND #status IN ({string.Join(", ", from.Select((_, i) => $":from{i}"))})";
        try
        {
            await _dynamoDb.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _settings.TableName,
                    Key = JobKey(jobId),
                    UpdateExpression = "SET " + string.Join(", ", set),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
            return new JobMove(JobMoveOutcome.Moved, to);
        }
        catch (ConditionalCheckFailedException e)
        {
            JobRecord? current = e.Item is { Count: > 0 } old ? JobRecord.FromItem(old) : await GetJobAsync(jobId, cancellationToken);
            return current is null
                ? new JobMove(JobMoveOutcome.NotFound, null)
                : new JobMove(JobMoveOutcome.AlreadyAtOrPast, current.Status) { PlannedBy = current.PlannedBy };
        }
    }

    /// <summary>
    /// Records the number of pages of a cursor job once its last page is known. Only a FETCHING job is changed,
    /// so a late call after the job finished or failed is a no-op (false).
    /// </summary>
    public async Task<bool> RecordTotalPagesAsync(string jobId, long totalPages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(totalPages);
        try
        {
            await _dynamoDb.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _settings.TableName,
                    Key = JobKey(jobId),
                    UpdateExpression = "SET #total = :total, #exp = :exp",
                    ConditionExpression = "#status = :fetching",
                    ExpressionAttributeNames = new Dictionary<string, string>
                    {
                        ["#total"] = ProgressTable.TotalPages,
                        ["#exp"] = ProgressTable.ExpiresAt,
                        ["#status"] = ProgressTable.Status,
                    },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":total"] = N(totalPages),
                        [":exp"] = N(_settings.ExpiresAt(_clock.GetUtcNow())),
                        [":fetching"] = S(JobStatus.Fetching.ToStoredName()),
                    },
                },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Moves page <paramref name="page"/> (from 1) of a job to <paramref name="to"/>, with its counters, if its state has a
    /// lower rank; a page at or past that rank is left alone (<see cref="TaskMoveOutcome.AlreadyAtOrPast"/>).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="page">The page, numbered from 1.</param>
    /// <param name="assumedFrom">The state the caller expects the page to be in (PLANNED before SAVED, SAVED before
    /// ENQUEUED, ENQUEUED before COMPLETED). A wrong guess costs one more write, never a wrong count.</param>
    /// <param name="failure">The reason for FETCH_FAILED / PROCESSING_FAILED (<c>ClientError:404</c>, <c>Throttled</c>, ...), stored as <c>f{page}</c>.</param>
    /// <param name="to">The new state.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<TaskMove> MoveTaskAsync(string jobId, int page, TaskState assumedFrom, TaskState to, string? failure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        if (to == TaskState.Planned || !Enum.IsDefined(to))
        {
            throw new ArgumentException("a page moves to SAVED, ENQUEUED or a terminal state", nameof(to));
        }

        if (!Enum.IsDefined(assumedFrom) || assumedFrom.Rank() >= to.Rank())
        {
            throw new ArgumentException($"a page cannot move from {assumedFrom} to {to}: states only move to a higher rank", nameof(assumedFrom));
        }

        TaskState previous = assumedFrom;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            try
            {
                await _dynamoDb.UpdateItemAsync(TaskUpdate(jobId, page, previous, to, failure), cancellationToken);
                return new TaskMove(TaskMoveOutcome.Moved, previous, attempt);
            }
            catch (ConditionalCheckFailedException e)
            {
                previous = e.Item is { Count: > 0 } old ? PageState(old, page) : await ReadPageStateAsync(jobId, page, cancellationToken);
                if (previous.Rank() >= to.Rank())
                {
                    return new TaskMove(TaskMoveOutcome.AlreadyAtOrPast, previous, attempt);
                }
            }
        }

        throw new InvalidOperationException($"page {page} of job {jobId} kept changing under {MaxAttempts} conditional writes; a writer is not following the monotonic rules");
    }

    /// <summary>The sums of the counters of every progress item of the job (paginated, strongly consistent Query).</summary>
    public async Task<TaskCounts> CountTasksAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        TaskCounts counts = TaskCounts.Zero;
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            QueryResponse response = await _dynamoDb.QueryAsync(
                new QueryRequest
                {
                    TableName = _settings.TableName,
                    KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :groups)",
                    ProjectionExpression = "#saved, #enqueued, #completed, #fetchFailed, #processingFailed",
                    ExpressionAttributeNames = new Dictionary<string, string>
                    {
                        ["#pk"] = ProgressTable.PartitionKey,
                        ["#sk"] = ProgressTable.SortKey,
                        ["#saved"] = ProgressTable.Saved,
                        ["#enqueued"] = ProgressTable.Enqueued,
                        ["#completed"] = ProgressTable.Completed,
                        ["#fetchFailed"] = ProgressTable.FetchFailed,
                        ["#processingFailed"] = ProgressTable.ProcessingFailed,
                    },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":pk"] = S(ProgressTable.JobPartition(jobId)),
                        [":groups"] = S(ProgressTable.GroupPrefix),
                    },
                    ConsistentRead = true,
                    ExclusiveStartKey = startKey,
                },
                cancellationToken);
            foreach (Dictionary<string, AttributeValue> item in response.Items ?? [])
            {
                counts = counts.Add(new TaskCounts(
                    Counter(item, ProgressTable.Saved),
                    Counter(item, ProgressTable.Enqueued),
                    Counter(item, ProgressTable.Completed),
                    Counter(item, ProgressTable.FetchFailed),
                    Counter(item, ProgressTable.ProcessingFailed)));
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);
        return counts;
    }

    /// <summary>The job and its counters, or null when no job has this id.</summary>
    public async Task<JobSummary?> GetSummaryAsync(string jobId, CancellationToken cancellationToken = default)
    {
        JobRecord? job = await GetJobAsync(jobId, cancellationToken);
        return job is null ? null : new JobSummary(job, await CountTasksAsync(jobId, cancellationToken));
    }

    /// <summary>
    /// Up to <paramref name="limit"/> tasks in page order from <paramref name="fromPage"/>. With a known
    /// <c>totalPages</c> every page is listed, PLANNED ones included; before that (a cursor job still fetching) only the
    /// pages with a recorded state are. <see cref="TaskListing.NextToken"/> (see <see cref="TaskListToken"/>) continues.
    /// </summary>
    public Task<TaskListing> ListTasksAsync(JobRecord job, int fromPage, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromPage, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return job.TotalPages is { } total
            ? ListPlannedAsync(job.JobId, fromPage, limit, (int)Math.Min(total, int.MaxValue), cancellationToken)
            : ListRecordedAsync(job.JobId, fromPage, limit, cancellationToken);
    }

    private async Task<TaskListing> ListPlannedAsync(string jobId, int fromPage, int limit, int totalPages, CancellationToken cancellationToken)
    {
        if (fromPage > totalPages)
        {
            return new TaskListing([], null);
        }

        int lastPage = (int)Math.Min((long)fromPage + limit - 1, totalPages);
        var groups = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        await foreach (Dictionary<string, AttributeValue> item in QueryGroupsAsync(jobId, ProgressTable.Group(fromPage), ProgressTable.Group(lastPage), cancellationToken))
        {
            groups[item[ProgressTable.SortKey].S] = item;
        }

        var tasks = new List<TaskEntry>(lastPage - fromPage + 1);
        for (int page = fromPage; page <= lastPage; page++)
        {
            tasks.Add(groups.TryGetValue(ProgressTable.GroupSortKey(ProgressTable.Group(page)), out Dictionary<string, AttributeValue>? item)
                ? Entry(item, page)
                : new TaskEntry(page, TaskState.Planned, null));
        }

        return new TaskListing(tasks, lastPage < totalPages ? TaskListToken.Encode(jobId, lastPage + 1) : null);
    }

    private async Task<TaskListing> ListRecordedAsync(string jobId, int fromPage, int limit, CancellationToken cancellationToken)
    {
        var tasks = new List<TaskEntry>(Math.Min(limit, ProgressTable.PagesPerGroup));
        await foreach (Dictionary<string, AttributeValue> item in QueryGroupsAsync(jobId, ProgressTable.Group(fromPage), int.MaxValue / ProgressTable.PagesPerGroup, cancellationToken))
        {
            foreach (int page in RecordedPages(item).Where(page => page >= fromPage).Order())
            {
                if (tasks.Count == limit)
                {
                    return new TaskListing(tasks, TaskListToken.Encode(jobId, tasks[^1].Page + 1));
                }

                tasks.Add(Entry(item, page));
            }
        }

        return new TaskListing(tasks, null);
    }

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryGroupsAsync(
        string jobId,
        int firstGroup,
        int lastGroup,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            QueryResponse response = await _dynamoDb.QueryAsync(
                new QueryRequest
                {
                    TableName = _settings.TableName,
                    KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :first AND :last",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = ProgressTable.PartitionKey, ["#sk"] = ProgressTable.SortKey },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":pk"] = S(ProgressTable.JobPartition(jobId)),
                        [":first"] = S(ProgressTable.GroupSortKey(firstGroup)),
                        [":last"] = S(ProgressTable.GroupSortKey(lastGroup)),
                    },
                    ConsistentRead = true,
                    ExclusiveStartKey = startKey,
                },
                cancellationToken);
            foreach (Dictionary<string, AttributeValue> item in response.Items ?? [])
            {
                yield return item;
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);
    }

    private UpdateItemRequest TaskUpdate(string jobId, int page, TaskState previous, TaskState to, string? failure)
    {
        var names = new Dictionary<string, string>
        {
            ["#p"] = ProgressTable.PageAttribute(page),
            ["#exp"] = ProgressTable.ExpiresAt,
            ["#to"] = to.CounterAttribute()!,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":to"] = N(to.Code()),
            [":exp"] = N(_settings.ExpiresAt(_clock.GetUtcNow())),
            [":one"] = N(1),
        };
        string set = "SET #p = :to, #exp = :exp";
        string add = "ADD #to :one";
        string condition;
        if (previous == TaskState.Planned)
        {
            condition = "attribute_not_exists(#p)";
        }
        else
        {
            condition = "#p = :prev";
            names["#from"] = previous.CounterAttribute()!;
            values[":prev"] = N(previous.Code());
            values[":minusOne"] = N(-1);
            add += ", #from :minusOne";
        }

        if (failure is not null && to.IsFailure())
        {
            names["#f"] = ProgressTable.FailureAttribute(page);
            values[":failure"] = S(failure);
            set += ", #f = :failure";
        }

        return new UpdateItemRequest
        {
            TableName = _settings.TableName,
            Key = GroupKey(jobId, ProgressTable.Group(page)),
            UpdateExpression = set + " " + add,
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
    }

    private async Task<TaskState> ReadPageStateAsync(string jobId, int page, CancellationToken cancellationToken)
    {
        GetItemResponse response = await _dynamoDb.GetItemAsync(
            new GetItemRequest
            {
                TableName = _settings.TableName,
                Key = GroupKey(jobId, ProgressTable.Group(page)),
                ProjectionExpression = "#p",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#p"] = ProgressTable.PageAttribute(page) },
                ConsistentRead = true,
            },
            cancellationToken);
        return response.Item is { } item ? PageState(item, page) : TaskState.Planned;
    }

    private static TaskEntry Entry(IReadOnlyDictionary<string, AttributeValue> item, int page)
    {
        TaskState state = PageState(item, page);
        return new TaskEntry(page, state, state.IsFailure() ? JobRecord.Text(item, ProgressTable.FailureAttribute(page)) : null);
    }

    private static TaskState PageState(IReadOnlyDictionary<string, AttributeValue> item, int page)
    {
        long? code = JobRecord.Number(item, ProgressTable.PageAttribute(page));
        if (code is null)
        {
            return TaskState.Planned;
        }

        return TaskStateRules.TryFromCode((int)code.Value, out TaskState state)
            ? state
            : throw new InvalidDataException($"page {page} has an unknown state code {code}");
    }

    private static IEnumerable<int> RecordedPages(Dictionary<string, AttributeValue> item)
    {
        foreach (string name in item.Keys)
        {
            if (name.Length > 1 && name[0] == 'p' && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int page))
            {
                yield return page;
            }
        }
    }

    private static long Counter(Dictionary<string, AttributeValue> item, string name) => JobRecord.Number(item, name) ?? 0;

    private static string? TimestampOf(JobStatus status) => status switch
    {
        JobStatus.Planning => ProgressTable.StartedAt,
        JobStatus.Fetched => ProgressTable.FetchedAt,
        JobStatus.Failed => ProgressTable.FailedAt,
        _ => null,
    };

    private static Dictionary<string, AttributeValue> JobKey(string jobId) => new()
    {
        [ProgressTable.PartitionKey] = S(ProgressTable.JobPartition(jobId)),
        [ProgressTable.SortKey] = S(ProgressTable.JobSortKey),
    };

    private static Dictionary<string, AttributeValue> GroupKey(string jobId, int group) => new()
    {
        [ProgressTable.PartitionKey] = S(ProgressTable.JobPartition(jobId)),
        [ProgressTable.SortKey] = S(ProgressTable.GroupSortKey(group)),
    };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
