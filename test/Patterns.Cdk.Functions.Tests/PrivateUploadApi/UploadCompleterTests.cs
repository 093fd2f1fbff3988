using System.Net;
using System.Text.Json;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;
using static Patterns.Cdk.Functions.Tests.PrivateUploadApi.UploadApiRequests;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

public sealed class UploadCompleterTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    private readonly FakeUploadAws _aws = new();
    private readonly TestLog _log = new();
    private readonly UploadSessions _sessions;
    private readonly UploadCompleter _completer;

    public UploadCompleterTests()
    {
        var clock = new FixedClock(FixedClock.DefaultNow);
        _sessions = new UploadSessions(_aws.S3, _aws.DynamoDb, FakeUploadAws.Settings(), new TestLog().Log, clock);
        _completer = new UploadCompleter(_aws.S3, _aws.DynamoDb, _aws.EventBridge, FakeUploadAws.Settings(), _log.Log, clock);
    }

    public void Dispose() => _aws.Dispose();

    private static JsonElement Json(RestApiProxyResponse response) => UploadSessionsTests.Json(response);

    private async Task<(string Id, string S3Id, string Key)> StartMultipartAsync(long size = 20 * MiB)
    {
        RestApiProxyResponse started = await _sessions.HandleAsync(Create(UploadSessionsTests.CreateBody("film.pdf", "application/pdf", size)));
        started.StatusCode.Should().Be(201, started.Body);
        string id = Json(started).GetProperty("uploadId").GetString()!;
        return (id, _aws.Items[id]["s3UploadId"].S, Json(started).GetProperty("key").GetString()!);
    }

    /// <summary>A 20 MiB multipart upload whose three parts (8, 8 and 4 MiB) S3 holds.</summary>
    private async Task<(string Id, string S3Id, string Key)> StartWithAllPartsAsync()
    {
        (string id, string s3Id, string key) = await StartMultipartAsync();
        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);
        _aws.AddPart(s3Id, 3, 4 * MiB);
        return (id, s3Id, key);
    }

    private async Task<(string Id, string Key)> StartSingleAsync(long size = 100, string? sha256 = null)
    {
        RestApiProxyResponse started = await _sessions.HandleAsync(Create(UploadSessionsTests.CreateBody("a.png", "image/png", size, sha256)));
        started.StatusCode.Should().Be(201, started.Body);
        return (Json(started).GetProperty("uploadId").GetString()!, Json(started).GetProperty("key").GetString()!);
    }

    private IEnumerable<JsonElement> SentEvents() => _aws.Events.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("Entries")[0].Clone());

    [Fact]
    public async Task An_abort_that_arrives_while_S3_completes_is_refused_and_the_completion_stands()
    {
        (string id, _, string key) = await StartWithAllPartsAsync();
        RestApiProxyResponse? abort = null;
        _aws.BeforeComplete = async () => abort = await _sessions.HandleAsync(Delete(id));

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(200, response.Body);
        abort.Should().NotBeNull();
        abort!.StatusCode.Should().Be(409, abort.Body);
        Json(abort).GetProperty("error").GetString().Should().Be("Completing");
        _aws.Aborts.Should().BeEmpty("the abort never reached S3");
        _aws.Objects.Should().ContainKey(key);
        _aws.Items[id]["state"].S.Should().Be("completed");
        SentEvents().Should().ContainSingle();
    }

    [Fact]
    public async Task A_completion_after_an_abort_completes_nothing()
    {
        (string id, _, _) = await StartWithAllPartsAsync();
        (await _sessions.HandleAsync(Delete(id))).StatusCode.Should().Be(204);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("state").GetString().Should().Be("aborted");
        _aws.Completions.Should().BeEmpty();
        SentEvents().Should().BeEmpty();
    }

    [Fact]
    public async Task A_completion_interrupted_after_its_claim_is_finished_by_the_next_call()
    {
        (string id, _, string key) = await StartWithAllPartsAsync();
        _aws.Fail("CompleteMultipartUpload", FakeUploadAws.S3Error("InternalError", HttpStatusCode.InternalServerError));

        (await _completer.HandleAsync(Complete(id))).StatusCode.Should().Be(503);
        _aws.Items[id]["state"].S.Should().Be("completing");
        _aws.Items[id].Should().ContainKey("ttl", "a completion that never finishes still expires");
        RestApiProxyResponse parts = await _sessions.HandleAsync(Parts(id, """{"partNumbers":[1],"contentMd5":["1B2M2Y8AsgTpgAmY7PhCfg=="]}"""));
        parts.StatusCode.Should().Be(409, "no new part URLs once a completion has claimed the upload");

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(200, response.Body);
        _aws.Objects.Should().ContainKey(key);
        _aws.Items[id]["state"].S.Should().Be("completed");
    }

    [Fact]
    public async Task Completing_checks_the_parts_S3_lists_completes_them_ascending_and_publishes_the_event()
    {
        (string id, string s3Id, string key) = await StartMultipartAsync();
        _aws.AddPart(s3Id, 3, 4 * MiB);
        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);
        _aws.ListPageSize = 2;
        _aws.ListOrder = numbers => numbers.OrderByDescending(n => n);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(200, response.Body);
        JsonElement body = Json(response);
        body.GetProperty("uploadId").GetString().Should().Be(id);
        body.GetProperty("key").GetString().Should().Be(key);
        body.GetProperty("size").GetInt64().Should().Be(20 * MiB);
        body.GetProperty("contentType").GetString().Should().Be("application/pdf");
        body.GetProperty("etag").GetString().Should().Be("\"complete-3\"");
        body.TryGetProperty("sha256", out _).Should().BeFalse("S3 verified no whole-object SHA-256 of a multipart upload");

        var completion = _aws.Completions.Should().ContainSingle().Subject;
        completion.PartETags.Select(p => p.PartNumber).Should().Equal(1, 2, 3);
        completion.PartETags.Select(p => p.ETag).Should().Equal($"\"etag-1-{8 * MiB}\"", $"\"etag-2-{8 * MiB}\"", $"\"etag-3-{4 * MiB}\"");

        var item = _aws.Items[id];
        item["state"].S.Should().Be("completed");
        item.Should().NotContainKey("ttl");
        item["etag"].S.Should().Be("\"complete-3\"");
        item["completedAt"].S.Should().Be("2025-03-14T15:09:26Z");

        JsonElement entry = SentEvents().Should().ContainSingle().Subject;
        entry.GetProperty("Source").GetString().Should().Be("patterns-cdk.uploads");
        entry.GetProperty("DetailType").GetString().Should().Be("Upload.Completed");
        entry.GetProperty("EventBusName").GetString().Should().Be("uploads-bus");
        JsonElement detail = JsonDocument.Parse(entry.GetProperty("Detail").GetString()!).RootElement;
        detail.GetProperty("uploadId").GetString().Should().Be(id);
        detail.GetProperty("bucket").GetString().Should().Be(FakeUploadAws.Bucket);
        detail.GetProperty("key").GetString().Should().Be(key);
        detail.GetProperty("size").GetInt64().Should().Be(20 * MiB);
        detail.GetProperty("contentType").GetString().Should().Be("application/pdf");
        detail.GetProperty("fileName").GetString().Should().Be("film.pdf");
        detail.GetProperty("owner").GetString().Should().Be(AliceScope);
        detail.GetProperty("etag").GetString().Should().Be("\"complete-3\"");
        detail.GetProperty("completedAt").GetString().Should().Be("2025-03-14T15:09:26Z");
        detail.TryGetProperty("sha256", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Completing_again_answers_the_same_without_completing_or_publishing_twice()
    {
        (string id, string s3Id, _) = await StartMultipartAsync(16 * MiB);
        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);

        RestApiProxyResponse first = await _completer.HandleAsync(Complete(id));
        RestApiProxyResponse second = await _completer.HandleAsync(Complete(id));

        second.StatusCode.Should().Be(200);
        second.Body.Should().Be(first.Body);
        _aws.Completions.Should().ContainSingle();
        _aws.Events.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Missing_parts_are_listed_and_nothing_is_completed()
    {
        (string id, string s3Id, _) = await StartMultipartAsync(40 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);
        _aws.AddPart(s3Id, 4, 8 * MiB);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        JsonElement body = Json(response);
        body.GetProperty("error").GetString().Should().Be("MissingParts");
        body.GetProperty("missingParts").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(1, 3, 5);
        _aws.Completions.Should().BeEmpty();
        _aws.Events.Requests.Should().BeEmpty();
        _aws.Items[id]["state"].S.Should().Be("open");
    }

    [Theory]
    [InlineData(8, 7, 4)] // a short middle part
    [InlineData(8, 8, 5)] // a last part too long
    [InlineData(8, 8, 3)] // a last part too short
    public async Task Parts_of_the_wrong_size_are_a_mismatch(long first, long second, long third)
    {
        (string id, string s3Id, _) = await StartMultipartAsync();
        _aws.AddPart(s3Id, 1, first * MiB);
        _aws.AddPart(s3Id, 2, second * MiB);
        _aws.AddPart(s3Id, 3, third * MiB);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("error").GetString().Should().Be("SizeMismatch");
        _aws.Completions.Should().BeEmpty();
    }

    [Fact]
    public async Task A_single_upload_completes_when_the_object_has_the_declared_size_and_type()
    {
        string sha = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(new byte[100]));
        (string id, string key) = await StartSingleAsync(100, sha);

        RestApiProxyResponse notYet = await _completer.HandleAsync(Complete(id));
        notYet.StatusCode.Should().Be(409);
        Json(notYet).GetProperty("error").GetString().Should().Be("NotUploaded");

        _aws.AddObject(key, 100, "image/png", sha);
        RestApiProxyResponse done = await _completer.HandleAsync(Complete(id));

        done.StatusCode.Should().Be(200, done.Body);
        Json(done).GetProperty("sha256").GetString().Should().Be(sha, "S3 verified it");
        Json(done).GetProperty("etag").GetString().Should().Be("\"obj-100\"");
        _aws.Items[id]["objectSha256"].S.Should().Be(sha);
        _aws.Completions.Should().BeEmpty();
        SentEvents().Should().ContainSingle();
    }

    [Theory]
    [InlineData(99, "image/png")]
    [InlineData(100, "image/jpeg")]
    [InlineData(100, null)]
    public async Task A_single_object_of_another_size_or_type_is_a_mismatch(long size, string? type)
    {
        (string id, string key) = await StartSingleAsync();
        _aws.AddObject(key, size, type!);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("error").GetString().Should().Be("SizeMismatch");
        _aws.Events.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task An_aborted_upload_cannot_be_completed()
    {
        (string id, _, _) = await StartMultipartAsync();
        (await _sessions.HandleAsync(Delete(id))).StatusCode.Should().Be(204);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("state").GetString().Should().Be("aborted");
    }

    [Fact]
    public async Task Another_callers_upload_is_forbidden_and_untouched()
    {
        (string id, string s3Id, _) = await StartMultipartAsync(16 * MiB);
        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id, Identity(Bob)));

        response.StatusCode.Should().Be(403);
        response.Body.Should().NotContain(id).And.NotContain("parts");
        _aws.ListPartsCalls.Should().Be(0);
        _aws.Completions.Should().BeEmpty();
    }

    [Fact]
    public async Task A_refused_event_is_503_and_the_retry_completes_from_the_object_S3_already_assembled()
    {
        (string id, string s3Id, string key) = await StartMultipartAsync(16 * MiB);
        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);
        _aws.Events.Then(HttpStatusCode.OK, """{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"x"}]}""");

        RestApiProxyResponse failed = await _completer.HandleAsync(Complete(id));

        failed.StatusCode.Should().Be(503);
        Json(failed).GetProperty("error").GetString().Should().Be("TryAgain");
        _aws.Items[id]["state"].S.Should().Be("completing", "S3 assembled the object: from here only a completion may go on");
        _aws.Objects.Should().ContainKey(key);
        (await _sessions.HandleAsync(Delete(id))).StatusCode.Should().Be(409, "an abort could not remove the object any more");

        RestApiProxyResponse retried = await _completer.HandleAsync(Complete(id));

        retried.StatusCode.Should().Be(200, retried.Body);
        Json(retried).GetProperty("etag").GetString().Should().Be("\"complete-2\"");
        _aws.Completions.Should().ContainSingle("S3 completed once; the retry found the object");
        _aws.Events.Requests.Should().HaveCount(2, "at least once");
        _aws.Items[id]["state"].S.Should().Be("completed");
    }

    [Fact]
    public async Task An_upload_S3_dropped_without_an_object_is_not_open()
    {
        (string id, string s3Id, _) = await StartMultipartAsync();
        _aws.Uploads.Remove(s3Id);

        RestApiProxyResponse response = await _completer.HandleAsync(Complete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("error").GetString().Should().Be("NotOpen");
    }

    [Fact]
    public async Task Throttled_reads_and_failed_calls_are_503()
    {
        (string id, string s3Id, _) = await StartMultipartAsync(16 * MiB);
        _aws.Fail("GetItem", FakeUploadAws.Throttled());
        (await _completer.HandleAsync(Complete(id))).StatusCode.Should().Be(503);

        _aws.AddPart(s3Id, 1, 8 * MiB);
        _aws.AddPart(s3Id, 2, 8 * MiB);
        _aws.Events.ThenError("ThrottlingException", "slow down");
        (await _completer.HandleAsync(Complete(id))).StatusCode.Should().Be(503);

        _aws.Events.ThenThrow(new HttpRequestException("connection refused"));
        (await _completer.HandleAsync(Complete(id))).StatusCode.Should().Be(503);

        (await _completer.HandleAsync(Complete(id))).StatusCode.Should().Be(200);
        _log.At("ERROR").Should().HaveCount(3);
    }

    [Fact]
    public async Task The_completer_serves_only_its_route()
    {
        (string id, _, _) = await StartMultipartAsync();

        (await _completer.HandleAsync(Get(id))).StatusCode.Should().Be(404);
        (await _completer.HandleAsync(Create("{}"))).StatusCode.Should().Be(404);
    }
}
