using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>The job API's handler over a real (dynalite) progress table, driven with payload format 2.0 events.</summary>
[Collection(UsesEmulators.Name)]
public sealed class JobApiFlowTests(EmulatorFixture emulators)
{
    private const string Caller = "arn:aws:iam::123456789012:user/alice";
    private const string Body = """{"source": "orders", "parameters": {"since": "2024-01-01"}}""";

    [Fact]
    public async Task A_job_is_requested_repeated_idempotently_and_refused_for_a_different_request()
    {
        (JobApi api, _) = await CreateAsync();

        HttpApiV2Response first = await api.HandleAsync(Post(Body, "nightly-1"));
        HttpApiV2Response repeat = await api.HandleAsync(Post(Body, "nightly-1"));
        HttpApiV2Response conflict = await api.HandleAsync(Post("""{"source": "orders", "parameters": {"since": "2024-01-02"}}""", "nightly-1"));

        first.StatusCode.Should().Be(202);
        repeat.StatusCode.Should().Be(202);
        Json(repeat).GetProperty("jobId").GetString().Should().Be(Json(first).GetProperty("jobId").GetString());
        conflict.StatusCode.Should().Be(409);
        Json(conflict).GetProperty("error").GetString().Should().Be("IdempotencyKeyReused");
    }

    [Fact]
    public async Task Get_reports_exact_counts_state_and_progress_as_the_job_advances()
    {
        (JobApi api, ProgressTableScope table) = await CreateAsync();
        string jobId = Json(await api.HandleAsync(Post(Body))).GetProperty("jobId").GetString()!;
        await table.Store.MoveJobAsync(jobId, JobStatus.Planning);
        await table.Store.MoveJobAsync(jobId, JobStatus.Fetching, totalPages: 120);
        for (int page = 1; page <= 110; page++)
        {
            await table.Store.MoveTaskAsync(jobId, page, TaskState.Planned, TaskState.Saved);
            await table.Store.MoveTaskAsync(jobId, page, TaskState.Saved, TaskState.Enqueued);
            if (page <= 100)
            {
                await table.Store.MoveTaskAsync(jobId, page, TaskState.Enqueued, TaskState.Completed);
            }
        }

        JsonElement running = Json(await api.HandleAsync(Get($"/jobs/{jobId}", "GET /jobs/{id}", jobId)));
        await table.Store.MoveJobAsync(jobId, JobStatus.Fetched);
        JsonElement processing = Json(await api.HandleAsync(Get($"/jobs/{jobId}", "GET /jobs/{id}", jobId)));

        running.GetProperty("state").GetString().Should().Be("RUNNING");
        running.GetProperty("counts").GetProperty("planned").GetInt64().Should().Be(10);
        running.GetProperty("counts").GetProperty("enqueued").GetInt64().Should().Be(10);
        running.GetProperty("counts").GetProperty("completed").GetInt64().Should().Be(100);
        running.GetProperty("progress").GetDouble().Should().Be(0.8333);
        processing.GetProperty("state").GetString().Should().Be("PROCESSING");
        processing.GetProperty("counts").GetProperty("notFetched").GetInt64().Should().Be(10);
        processing.GetProperty("counts").GetProperty("planned").GetInt64().Should().Be(0);
        processing.GetProperty("fetchedAt").GetString().Should().NotBeNull();
    }

    [Fact]
    public async Task Tasks_page_through_next_tokens_until_the_last_page()
    {
        (JobApi api, ProgressTableScope table) = await CreateAsync();
        string jobId = Json(await api.HandleAsync(Post(Body))).GetProperty("jobId").GetString()!;
        await table.Store.MoveJobAsync(jobId, JobStatus.Fetching, totalPages: 230);
        await table.Store.MoveTaskAsync(jobId, 229, TaskState.Planned, TaskState.FetchFailed, "Throttled");

        var pages = new List<int>();
        string? token = null;
        int requests = 0;
        do
        {
            var query = new Dictionary<string, string> { ["limit"] = "100" };
            if (token is not null)
            {
                query["nextToken"] = token;
            }

            JsonElement body = Json(await api.HandleAsync(Get($"/jobs/{jobId}/tasks", "GET /jobs/{id}/tasks", jobId, query)));
            pages.AddRange(body.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("page").GetInt32()));
            if (body.GetProperty("tasks").EnumerateArray().FirstOrDefault(t => t.GetProperty("page").GetInt32() == 229) is { ValueKind: JsonValueKind.Object } failed)
            {
                failed.GetProperty("state").GetString().Should().Be("FETCH_FAILED");
                failed.GetProperty("failure").GetString().Should().Be("Throttled");
            }

            token = body.GetProperty("nextToken").GetString();
            requests++;
        }
        while (token is not null);

        requests.Should().Be(3);
        pages.Should().Equal(Enumerable.Range(1, 230));
    }

    [Fact]
    public async Task A_job_is_shown_to_its_creator_and_the_admin_routes_only_and_a_scheduled_job_to_the_admin_routes()
    {
        (JobApi api, ProgressTableScope table) = await CreateAsync();
        const string session = "arn:aws:sts::123456789012:assumed-role/Reporting/i-0abc";
        const string otherSession = "arn:aws:sts::123456789012:assumed-role/Reporting/i-0def";
        string jobId = Json(await api.HandleAsync(Post(Body, caller: session))).GetProperty("jobId").GetString()!;
        var scheduled = NewJob.Create(JobIds.FromSchedule("nightly", "2024-01-01T02:00:00Z"), ProgressTableScope.Catalog.Get("orders"),
            ProgressTableScope.OrdersJob().Parameters, ProgressTable.TriggerSchedule);
        await table.Store.CreateJobAsync(scheduled);

        (await table.RawItemAsync(jobId, "JOB"))!["createdBy"].S.Should().Be("arn:aws:sts::123456789012:assumed-role/Reporting");
        (await api.HandleAsync(Get($"/jobs/{jobId}", "GET /jobs/{id}", jobId, caller: otherSession))).StatusCode.Should().Be(200, "another session of the same role");
        (await api.HandleAsync(Get($"/jobs/{jobId}/tasks", "GET /jobs/{id}/tasks", jobId, caller: otherSession))).StatusCode.Should().Be(200);
        HttpApiV2Response foreign = await api.HandleAsync(Get($"/jobs/{jobId}", "GET /jobs/{id}", jobId));
        HttpApiV2Response unknown = await api.HandleAsync(Get("/jobs/0123456789abcdef0123456789abcdef", "GET /jobs/{id}", "0123456789abcdef0123456789abcdef"));
        foreign.Should().BeEquivalentTo(unknown, "another caller cannot tell the job from one that does not exist");
        (await api.HandleAsync(Get($"/jobs/{jobId}/tasks", "GET /jobs/{id}/tasks", jobId))).StatusCode.Should().Be(404);
        (await api.HandleAsync(Get($"/admin/jobs/{jobId}", "GET /admin/jobs/{id}", jobId))).StatusCode.Should().Be(200);
        (await api.HandleAsync(Get($"/jobs/{scheduled.JobId}", "GET /jobs/{id}", scheduled.JobId, caller: session))).StatusCode.Should().Be(404, "a scheduled job has no creator");
        JsonElement admin = Json(await api.HandleAsync(Get($"/admin/jobs/{scheduled.JobId}", "GET /admin/jobs/{id}", scheduled.JobId)));
        admin.GetProperty("trigger").GetString().Should().Be("schedule");
        (await api.HandleAsync(Get($"/admin/jobs/{scheduled.JobId}/tasks", "GET /admin/jobs/{id}/tasks", scheduled.JobId))).StatusCode.Should().Be(200);
    }

    [Theory]
    [InlineData("GET", "/jobs/0123456789abcdef0123456789abcdef", 404)]
    [InlineData("GET", "/jobs/0123456789abcdef0123456789abcdef/tasks", 404)]
    [InlineData("GET", "/jobs/nope", 404)]
    [InlineData("GET", "/status", 404)]
    [InlineData("DELETE", "/jobs/0123456789abcdef0123456789abcdef", 405)]
    [InlineData("GET", "/jobs", 405)]
    public async Task Unknown_jobs_and_routes_are_refused(string method, string path, int status)
    {
        (JobApi api, _) = await CreateAsync();

        (await api.HandleAsync(Request(method, path, "$default"))).StatusCode.Should().Be(status);
    }

    [Theory]
    [InlineData("{\"source\": ", "application/json", 400)]
    [InlineData("{\"source\": \"unknown\"}", "application/json", 400)]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-13-011\"}}", "application/json", 400)]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-01-01\", \"baseUrl\": \"http://169.254.169.254\"}}", "application/json", 400)]
    [InlineData(null, "application/json", 400)]
    [InlineData("source=orders", "application/x-www-form-urlencoded", 415)]
    public async Task Bad_requests_write_nothing(string? body, string contentType, int status)
    {
        (JobApi api, ProgressTableScope table) = await CreateAsync();

        HttpApiV2Response response = await api.HandleAsync(Request("POST", "/jobs", "POST /jobs", body, contentType));

        response.StatusCode.Should().Be(status);
        (await table.DynamoDb.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = table.TableName })).Count.Should().Be(0);
    }

    [Fact]
    public async Task A_body_over_16_KiB_is_refused_with_413()
    {
        (JobApi api, _) = await CreateAsync();
        string big = "{\"source\": \"orders\", \"parameters\": {\"since\": \"" + new string('9', 20_000) + "\"}}";

        (await api.HandleAsync(Post(big))).StatusCode.Should().Be(413);
    }

    private async Task<(JobApi, ProgressTableScope)> CreateAsync()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        return (new JobApi(ProgressTableScope.Catalog, table.Store, JsonLog.CreateDefault()), table);
    }

    private static HttpApiV2Request Post(string body, string? idempotencyKey = null, string caller = Caller)
    {
        HttpApiV2Request request = Request("POST", "/jobs", "POST /jobs", body, "application/json", caller);
        return idempotencyKey is null
            ? request
            : request with { Headers = new Dictionary<string, string> { ["content-type"] = "application/json", ["idempotency-key"] = idempotencyKey } };
    }

    private static HttpApiV2Request Get(string path, string routeKey, string jobId, IReadOnlyDictionary<string, string>? query = null, string caller = Caller) =>
        Request("GET", path, routeKey, caller: caller) with { PathParameters = new Dictionary<string, string> { ["id"] = jobId }, QueryStringParameters = query };

    private static HttpApiV2Request Request(string method, string path, string routeKey, string? body = null, string? contentType = null, string caller = Caller) => new()
    {
        Version = "2.0",
        RouteKey = routeKey,
        RawPath = path,
        Headers = contentType is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["content-type"] = contentType },
        Body = body,
        RequestContext = new HttpApiV2RequestContext
        {
            RequestId = Guid.NewGuid().ToString("N"),
            Stage = "$default",
            Http = new HttpApiV2Http { Method = method, Path = path },
            Authorizer = new HttpApiV2Authorizer { Iam = new HttpApiV2Iam { UserArn = caller } },
        },
    };

    private static JsonElement Json(HttpApiV2Response response) => JsonDocument.Parse(response.Body!).RootElement.Clone();
}
