using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using NSubstitute;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class JobApiTests
{
    private const string ValidBody = """{"source": "orders", "parameters": {"since": "2024-01-01", "mode": "full"}}""";

    private readonly FakeJobTable _table = new();
    private readonly TestLog _log = new();
    private readonly JobApi _api;

    public JobApiTests()
    {
        _api = new JobApi(SourceSamples.Catalog, new ProgressStore(_table.Client, new ProgressSettings("progress", 7), new FixedClock(FixedClock.DefaultNow)), _log.Log);
    }

    [Fact]
    public async Task Post_writes_a_requested_job_and_answers_202_with_its_links()
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Post(ValidBody));

        response.StatusCode.Should().Be(202);
        response.Headers!["content-type"].Should().Be("application/json");
        using JsonDocument body = JsonDocument.Parse(response.Body!);
        string jobId = body.RootElement.GetProperty("jobId").GetString()!;
        jobId.Should().MatchRegex("^[0-9a-f]{32}$");
        body.RootElement.GetProperty("status").GetString().Should().Be("REQUESTED");
        body.RootElement.GetProperty("links").GetProperty("self").GetString().Should().Be($"/jobs/{jobId}");
        body.RootElement.GetProperty("links").GetProperty("tasks").GetString().Should().Be($"/jobs/{jobId}/tasks");
        response.Headers["location"].Should().Be($"/jobs/{jobId}");

        Dictionary<string, AttributeValue> item = _table.Items.Single();
        item["pk"].S.Should().Be($"JOB#{jobId}");
        item["sk"].S.Should().Be("JOB");
        item["status"].S.Should().Be("REQUESTED");
        item["trigger"].S.Should().Be("api");
        item["source"].S.Should().Be("orders");
        item["parameters"].S.Should().Be("""{"mode":"full","since":"2024-01-01"}""");
        item["requestHash"].S.Should().MatchRegex("^[0-9a-f]{64}$");
        item["requestedAt"].S.Should().Be("2025-03-14T15:09:26.535Z");
        item["expiresAt"].N.Should().Be((FixedClock.DefaultNow.ToUnixTimeSeconds() + (7 * 86_400)).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Without_an_idempotency_key_every_post_is_a_new_job()
    {
        string first = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));
        string second = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        second.Should().NotBe(first);
        _table.Items.Should().HaveCount(2);
    }

    [Fact]
    public async Task The_same_key_and_request_return_the_same_job_with_its_current_status()
    {
        HttpApiV2Response first = await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: "sync-2024-01-01"));
        string jobId = JobIdOf(first);
        _table.Set($"JOB#{jobId}", "status", new AttributeValue { S = "FETCHING" });

        // Same request, members and parameters in another order, other whitespace.
        HttpApiV2Response repeat = await _api.HandleAsync(ApiRequests.Post("""{ "parameters": {"mode":"full", "since":"2024-01-01"}, "source":"orders" }""", idempotencyKey: "sync-2024-01-01"));

        repeat.StatusCode.Should().Be(202);
        JobIdOf(repeat).Should().Be(jobId);
        JsonDocument.Parse(repeat.Body!).RootElement.GetProperty("status").GetString().Should().Be("FETCHING");
        _table.Items.Should().HaveCount(1);
        _table.Puts.Should().Be(2, "the repeat is told apart by the conditional put itself, not by a read first");
    }

    [Fact]
    public async Task The_same_key_with_a_different_request_is_a_conflict()
    {
        await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: "k1"));

        HttpApiV2Response conflict = await _api.HandleAsync(ApiRequests.Post("""{"source": "orders", "parameters": {"since": "2024-02-01"}}""", idempotencyKey: "k1"));

        conflict.StatusCode.Should().Be(409);
        ErrorOf(conflict).Should().Be("IdempotencyKeyReused");
        _table.Items.Should().HaveCount(1);
    }

    [Fact]
    public async Task Idempotency_keys_are_scoped_to_the_caller()
    {
        string alices = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: "k1", caller: ApiRequests.Alice)));
        HttpApiV2Response bobs = await _api.HandleAsync(ApiRequests.Post("""{"source": "feed"}""", idempotencyKey: "k1", caller: ApiRequests.Bob));

        bobs.StatusCode.Should().Be(202);
        JobIdOf(bobs).Should().NotBe(alices);
        JobIdOf(bobs).Should().Be(JobIds.FromIdempotencyKey(ApiRequests.Bob, "k1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    public async Task An_invalid_idempotency_key_is_a_bad_request(string key)
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: key));

        response.StatusCode.Should().Be(400);
        ProblemsOf(response).Should().ContainMatch("*Idempotency-Key*");
        _table.Puts.Should().Be(0);
    }

    [Theory]
    [InlineData("{\"source\": \"orders\",", "the body is not valid JSON")]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("[1, 2]", "the body must be a JSON object")]
    [InlineData("\"orders\"", "the body must be a JSON object")]
    [InlineData("{}", "'source' is required")]
    [InlineData("{\"source\": 5}", "'source' must be a string")]
    [InlineData("{\"source\": null}", "'source' must be a string")]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-01-01\"}, \"url\": \"http://169.254.169.254/\"}", "unknown member 'url'")]
    [InlineData("{\"source\": \"nope\"}", "unknown source 'nope'")]
    [InlineData("{\"source\": \"orders\"}", "parameter 'since' is required")]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"yesterday\"}}", "parameter 'since' does not match the pattern")]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-01-01\", \"region\": \"far-too-long\"}}", "parameter 'region' is longer than 8 characters")]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": 2024}}", "parameter 'since' must be a string")]
    [InlineData("{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-01-01\", \"page\": \"7\"}}", "parameter 'page' is not accepted by source 'orders'")]
    [InlineData("{\"source\": \"orders\", \"parameters\": \"since=2024-01-01\"}", "parameters must be a JSON object of strings")]
    [InlineData("[[[[[[[[[[1]]]]]]]]]]", "the body is not valid JSON")]
    public async Task A_malformed_or_invalid_request_is_a_400_listing_the_problem(string body, string problem)
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Post(body));

        response.StatusCode.Should().Be(400);
        ErrorOf(response).Should().Be("BadRequest");
        ProblemsOf(response).Should().ContainMatch($"*{problem}*");
        _table.Puts.Should().Be(0);
    }

    [Fact]
    public async Task Every_problem_is_listed_at_once()
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Post("""{"source": "orders", "extra": 1, "parameters": {"since": "x", "zone": "y"}}"""));

        ProblemsOf(response).Should().HaveCount(3);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task A_missing_body_is_a_bad_request(string? body)
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Post(body));

        response.StatusCode.Should().Be(400);
        ProblemsOf(response).Should().ContainMatch("the request body is required*");
    }

    [Fact]
    public async Task A_body_over_16_KiB_is_413()
    {
        string big = "{\"source\": \"orders\", \"parameters\": {\"since\": \"2024-01-01\"}, \"pad\": \"" + new string('x', 16 * 1024) + "\"}";

        (await _api.HandleAsync(ApiRequests.Post(big))).StatusCode.Should().Be(413);
        (await _api.HandleAsync(ApiRequests.Post(Convert.ToBase64String(Encoding.UTF8.GetBytes(big)), base64: true))).StatusCode.Should().Be(413);
        _table.Puts.Should().Be(0);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/jsonp")]
    public async Task A_body_that_is_not_json_is_415(string contentType) =>
        (await _api.HandleAsync(ApiRequests.Post(ValidBody, contentType: contentType))).StatusCode.Should().Be(415);

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData(null)]
    public async Task Json_content_types_and_an_absent_one_are_accepted(string? contentType) =>
        (await _api.HandleAsync(ApiRequests.Post(ValidBody, contentType: contentType))).StatusCode.Should().Be(202);

    [Fact]
    public async Task A_base64_body_is_decoded()
    {
        (await _api.HandleAsync(ApiRequests.Post(Convert.ToBase64String(Encoding.UTF8.GetBytes(ValidBody)), base64: true))).StatusCode.Should().Be(202);
        (await _api.HandleAsync(ApiRequests.Post("%%%not-base64", base64: true))).StatusCode.Should().Be(400);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-job")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("..%2F..%2Fetc")]
    public async Task An_unknown_or_malformed_job_is_404_on_both_get_routes(string id)
    {
        HttpApiV2Response status = await _api.HandleAsync(ApiRequests.GetJob(id));
        HttpApiV2Response tasks = await _api.HandleAsync(ApiRequests.GetTasks(id));

        status.StatusCode.Should().Be(404);
        ErrorOf(status).Should().Be("NotFound");
        tasks.StatusCode.Should().Be(404);
    }

    [Fact]
    public async Task Get_returns_the_status_document_with_every_member()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.GetJob(jobId));

        response.StatusCode.Should().Be(200);
        JsonElement body = JsonDocument.Parse(response.Body!).RootElement;
        body.EnumerateObject().Select(p => p.Name).Should().Equal(
            "jobId", "source", "parameters", "trigger", "status", "state", "totalPages", "counts", "progress", "failedBatches",
            "requestedAt", "startedAt", "fetchedAt", "failedAt", "error");
        body.GetProperty("parameters").GetProperty("since").GetString().Should().Be("2024-01-01");
        body.GetProperty("state").GetString().Should().Be("PENDING");
        body.GetProperty("totalPages").ValueKind.Should().Be(JsonValueKind.Null);
        body.GetProperty("counts").EnumerateObject().Select(p => p.Name).Should().Equal(
            "planned", "saved", "enqueued", "completed", "fetchFailed", "processingFailed", "notFetched");
        body.GetProperty("progress").GetDouble().Should().Be(0);
    }

    [Theory]
    [InlineData("0", "limit must be")]
    [InlineData("501", "limit must be")]
    [InlineData("ten", "limit must be")]
    [InlineData("-1", "limit must be")]
    public async Task A_bad_limit_is_a_bad_request(string limit, string problem)
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.GetTasks(jobId, new Dictionary<string, string> { ["limit"] = limit }));

        response.StatusCode.Should().Be(400);
        ProblemsOf(response).Should().ContainMatch($"*{problem}*");
    }

    [Fact]
    public async Task A_token_that_this_listing_did_not_return_is_a_bad_request()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));
        string otherJobsToken = TaskListToken.Encode(JobIds.New(), 101);

        foreach (string token in new[] { "garbage!", otherJobsToken })
        {
            HttpApiV2Response response = await _api.HandleAsync(ApiRequests.GetTasks(jobId, new Dictionary<string, string> { ["nextToken"] = token }));
            response.StatusCode.Should().Be(400);
            ProblemsOf(response).Should().ContainMatch("nextToken*");
        }
    }

    [Fact]
    public async Task A_job_that_is_not_planned_yet_lists_no_tasks()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.GetTasks(jobId));

        response.StatusCode.Should().Be(200);
        response.Body.Should().Be("""{"tasks":[],"nextToken":null}""");
    }

    [Theory]
    [InlineData("GET", "/jobs", "POST")]
    [InlineData("DELETE", "/jobs", "POST")]
    [InlineData("POST", "/jobs/0123456789abcdef0123456789abcdef", "GET")]
    [InlineData("PUT", "/jobs/0123456789abcdef0123456789abcdef/tasks", "GET")]
    public async Task A_known_resource_with_another_method_is_405_with_allow(string method, string path, string allowed)
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Request(method, path));

        response.StatusCode.Should().Be(405);
        response.Headers!["allow"].Should().Be(allowed);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/job")]
    [InlineData("/jobs/0123456789abcdef0123456789abcdef/tasks/1")]
    [InlineData("/admin")]
    public async Task An_unknown_path_is_404(string path) =>
        (await _api.HandleAsync(ApiRequests.Request("GET", path))).StatusCode.Should().Be(404);

    [Fact]
    public async Task Behind_a_catch_all_route_the_raw_path_is_matched_without_the_stage()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Request("POST", "/prod/jobs", routeKey: "ANY /{proxy+}", body: ValidBody, stage: "prod")));

        (await _api.HandleAsync(ApiRequests.Request("GET", $"/prod/jobs/{jobId}", routeKey: "$default", stage: "prod"))).StatusCode.Should().Be(200);
        (await _api.HandleAsync(ApiRequests.Request("GET", $"/jobs/{jobId}/tasks"))).StatusCode.Should().Be(200);
    }

    [Fact]
    public async Task A_failure_of_the_table_is_a_500_without_details_and_is_logged()
    {
        IAmazonDynamoDB broken = Substitute.For<IAmazonDynamoDB>();
        broken.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Returns<PutItemResponse>(_ => throw new AmazonDynamoDBException("Service unavailable"));
        var api = new JobApi(SourceSamples.Catalog, new ProgressStore(broken, new ProgressSettings("progress", 7)), _log.Log);

        HttpApiV2Response response = await api.HandleAsync(ApiRequests.Post(ValidBody));

        response.StatusCode.Should().Be(500);
        ErrorOf(response).Should().Be("InternalError");
        response.Body.Should().NotContain("Service unavailable");
        _log.Messages("ERROR").Should().Contain("request failed");
    }

    [Fact]
    public async Task Logs_one_line_per_request_with_the_request_id_job_and_source_but_no_parameter_values()
    {
        HttpApiV2Request request = ApiRequests.Post(ValidBody);

        string jobId = JobIdOf(await _api.HandleAsync(request));

        JsonElement line = _log.At("INFO").Single();
        line.GetProperty("message").GetString().Should().Be("job requested");
        line.GetProperty("requestId").GetString().Should().Be(request.RequestContext.RequestId);
        line.GetProperty("jobId").GetString().Should().Be(jobId);
        line.GetProperty("source").GetString().Should().Be("orders");
        line.GetProperty("status").GetInt64().Should().Be(202);
        _log.Text.Should().NotContain("2024-01-01");
    }

    [Fact]
    public async Task The_entry_point_reads_the_event_and_writes_the_structured_response()
    {
        HttpApiV2Request request = ApiRequests.Post(ValidBody, idempotencyKey: "k");
        using var input = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(request, LambdaEventsJsonContext.Default.HttpApiV2Request));

        using Stream output = await _api.HandleAsync(input);

        HttpApiV2Response response = JsonSerializer.Deserialize(output, LambdaEventsJsonContext.Default.HttpApiV2Response)!;
        response.StatusCode.Should().Be(202);
        JobIdOf(response).Should().Be(JobIds.FromIdempotencyKey(ApiRequests.Alice, "k"));
    }

    [Fact]
    public void The_lambda_constructor_path_reports_every_missing_setting()
    {
        FluentActions.Invoking(() => new JobApi(Env.Of(("API_POLLER_SOURCES", SourceSamples.CatalogJson)), _table.Client, _log.Log, clock: null))
            .Should().Throw<InvalidOperationException>().WithMessage("JobApi is misconfigured: TABLE_NAME is required*JOB_TTL_DAYS is required*");
    }

    [Fact]
    public async Task Post_records_the_caller_as_the_jobs_creator()
    {
        await _api.HandleAsync(ApiRequests.Post(ValidBody));

        _table.Items.Single()["createdBy"].S.Should().Be(ApiRequests.Alice);
    }

    [Fact]
    public async Task Another_caller_gets_exactly_the_answer_for_a_job_that_does_not_exist()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));
        const string unknown = "0123456789abcdef0123456789abcdef";

        HttpApiV2Response foreign = await _api.HandleAsync(ApiRequests.GetJob(jobId, caller: ApiRequests.Bob));
        HttpApiV2Response missing = await _api.HandleAsync(ApiRequests.GetJob(unknown, caller: ApiRequests.Bob));
        HttpApiV2Response foreignTasks = await _api.HandleAsync(ApiRequests.GetTasks(jobId, caller: ApiRequests.Bob));
        HttpApiV2Response missingTasks = await _api.HandleAsync(ApiRequests.GetTasks(unknown, caller: ApiRequests.Bob));

        foreign.Should().BeEquivalentTo(missing, "a job of someone else must not be told apart from no job at all");
        foreignTasks.Should().BeEquivalentTo(missingTasks);
        foreign.StatusCode.Should().Be(404);
        (await _api.HandleAsync(ApiRequests.GetJob(jobId))).StatusCode.Should().Be(200, "the creator still reads it");
    }

    [Fact]
    public async Task Every_session_of_an_assumed_role_is_the_same_caller()
    {
        const string session1 = "arn:aws:sts::123456789012:assumed-role/Reporting/i-0abc";
        const string session2 = "arn:aws:sts::123456789012:assumed-role/Reporting/i-0def";
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: "nightly", caller: session1)));

        _table.Items.Single()["createdBy"].S.Should().Be("arn:aws:sts::123456789012:assumed-role/Reporting", "the role, not the session");
        (await _api.HandleAsync(ApiRequests.GetJob(jobId, caller: session2))).StatusCode.Should().Be(200);
        (await _api.HandleAsync(ApiRequests.GetTasks(jobId, caller: session2))).StatusCode.Should().Be(200);
        JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody, idempotencyKey: "nightly", caller: session2))).Should().Be(jobId, "an idempotency key is the role's");
        (await _api.HandleAsync(ApiRequests.GetJob(jobId, caller: "arn:aws:sts::123456789012:assumed-role/Other/i-0abc"))).StatusCode.Should().Be(404);
    }

    [Fact]
    public async Task The_admin_routes_read_any_job_and_its_tasks()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        HttpApiV2Response job = await _api.HandleAsync(ApiRequests.GetAnyJob(jobId, caller: ApiRequests.Bob));
        HttpApiV2Response tasks = await _api.HandleAsync(ApiRequests.GetAnyTasks(jobId, caller: ApiRequests.Bob));

        job.StatusCode.Should().Be(200);
        JsonDocument.Parse(job.Body!).RootElement.GetProperty("jobId").GetString().Should().Be(jobId);
        tasks.StatusCode.Should().Be(200);
        (await _api.HandleAsync(ApiRequests.GetAnyJob("0123456789abcdef0123456789abcdef"))).StatusCode.Should().Be(404);
    }

    [Fact]
    public async Task A_scheduled_job_has_no_creator_and_is_read_through_the_admin_routes_only()
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));
        Dictionary<string, AttributeValue> item = _table.Items.Single();
        item.Remove("createdBy"); // what the planner writes for a scheduled job
        item["trigger"] = new AttributeValue { S = "schedule" };

        (await _api.HandleAsync(ApiRequests.GetJob(jobId))).StatusCode.Should().Be(404);
        (await _api.HandleAsync(ApiRequests.GetJob(jobId, caller: ApiRequests.Bob))).StatusCode.Should().Be(404);
        HttpApiV2Response admin = await _api.HandleAsync(ApiRequests.GetAnyJob(jobId));
        admin.StatusCode.Should().Be(200);
        JsonDocument.Parse(admin.Body!).RootElement.GetProperty("trigger").GetString().Should().Be("schedule");
    }

    [Theory]
    [InlineData("/admin/jobs/0123456789abcdef0123456789abcdef")]
    [InlineData("/admin/jobs/0123456789abcdef0123456789abcdef/tasks")]
    public async Task An_admin_path_reached_through_a_catch_all_route_is_not_an_admin_read(string path)
    {
        string jobId = JobIdOf(await _api.HandleAsync(ApiRequests.Post(ValidBody)));

        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Request("GET", path.Replace("0123456789abcdef0123456789abcdef", jobId, StringComparison.Ordinal), caller: ApiRequests.Bob));

        response.StatusCode.Should().Be(404, "only the route key, set after IAM allowed the admin route, grants reading any job");
        JsonDocument.Parse(response.Body!).RootElement.GetProperty("error").GetString().Should().Be("NotFound");
    }

    [Fact]
    public async Task An_admin_route_answers_405_to_another_method()
    {
        HttpApiV2Response response = await _api.HandleAsync(ApiRequests.Request("POST", "/admin/jobs/x", "POST /admin/jobs/{id}", pathParameters: new Dictionary<string, string> { ["id"] = "x" }));

        response.StatusCode.Should().Be(405);
        response.Headers!["allow"].Should().Be("GET");
    }

    [Fact]
    public async Task Without_an_IAM_identity_every_caller_is_the_same_anonymous_creator()
    {
        HttpApiV2Request Anonymous(HttpApiV2Request request) => request with { RequestContext = request.RequestContext with { Authorizer = null } };
        string jobId = JobIdOf(await _api.HandleAsync(Anonymous(ApiRequests.Post(ValidBody))));

        _table.Items.Single()["createdBy"].S.Should().Be("anonymous");
        (await _api.HandleAsync(Anonymous(ApiRequests.GetJob(jobId)))).StatusCode.Should().Be(200);
        (await _api.HandleAsync(ApiRequests.GetJob(jobId))).StatusCode.Should().Be(404, "an IAM caller is not the anonymous one");
    }

    [Theory]
    [InlineData("arn:aws:sts::123456789012:assumed-role/Reporting/i-0abc", "arn:aws:sts::123456789012:assumed-role/Reporting")]
    [InlineData("arn:aws-us-gov:sts::123456789012:assumed-role/Ops-Role_1/someone@example.com", "arn:aws-us-gov:sts::123456789012:assumed-role/Ops-Role_1")]
    [InlineData("arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice")]
    [InlineData("arn:aws:iam::123456789012:user/team/alice", "arn:aws:iam::123456789012:user/team/alice")]
    [InlineData("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root")]
    [InlineData("arn:aws:sts::123456789012:federated-user/bob", "arn:aws:sts::123456789012:federated-user/bob")]
    [InlineData("arn:aws:sts::123456789012:assumed-role/Reporting", "arn:aws:sts::123456789012:assumed-role/Reporting")]
    public void A_principal_is_the_role_of_an_assumed_role_session_and_any_other_arn_as_it_is(string arn, string principal) =>
        Patterns.Cdk.Functions.ApiPoller.Api.JobCaller.Principal(arn).Should().Be(principal);

    [Fact]
    public void Without_a_user_arn_the_caller_id_names_the_principal_without_its_session()
    {
        HttpApiV2Request request = ApiRequests.GetJob("x");
        request = request with
        {
            RequestContext = request.RequestContext with { Authorizer = new HttpApiV2Authorizer { Iam = new HttpApiV2Iam { CallerId = "AROAEXAMPLEID:session-1" } } },
        };

        Patterns.Cdk.Functions.ApiPoller.Api.JobCaller.Of(request).Should().Be("AROAEXAMPLEID");
    }

    private static string JobIdOf(HttpApiV2Response response)
    {
        response.StatusCode.Should().Be(202, response.Body);
        return JsonDocument.Parse(response.Body!).RootElement.GetProperty("jobId").GetString()!;
    }

    private static string? ErrorOf(HttpApiV2Response response) => JsonDocument.Parse(response.Body!).RootElement.GetProperty("error").GetString();

    private static List<string> ProblemsOf(HttpApiV2Response response) =>
        JsonDocument.Parse(response.Body!).RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
}
