using Patterns.Cdk.Uploads.Client.Tests.Fakes;

namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class SingleUploadTests : IDisposable
{
    private readonly UploadFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8 * 1024 * 1024)]
    public async Task Files_up_to_8_MiB_go_as_one_POST_form_then_complete(long size)
    {
        string path = _fixture.File(size, ".pdf");
        var reports = new List<UploadProgress>();
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path, progress: new SyncProgress(reports.Add));

        FakeUploadService.Session session = _fixture.Fake.Sessions[result.UploadId];
        session.Mode.Should().Be("single");
        session.State.Should().Be("completed");
        session.ContentType.Should().Be("application/pdf");
        session.FileName.Should().Be(Path.GetFileName(path));
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        _fixture.Fake.Log.Should().Equal("POST /uploads", "POST form", "POST /uploads/{id}/complete");
        result.Size.Should().Be(size);
        result.Key.Should().Be(session.Key);
        result.Sha256.Should().Be(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
        reports.Should().NotBeEmpty();
        reports[^1].Should().Be(new UploadProgress(size, size, 1, 1));
        _fixture.Pool.Outstanding.Should().Be(0);
    }

    [Fact]
    public async Task One_byte_over_8_MiB_is_multipart_with_a_short_last_part()
    {
        long size = (8 * FakeUploadService.MiB) + 1;
        string path = _fixture.File(size);
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        FakeUploadService.Session session = _fixture.Fake.Sessions[result.UploadId];
        session.Mode.Should().Be("multipart");
        session.PartCount.Should().Be(2);
        session.Parts[2].Length.Should().Be(1);
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
    }

    [Fact]
    public async Task Without_SendSha256_no_checksum_is_declared()
    {
        string path = _fixture.File(100, ".txt");
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path, new UploadRequest { SendSha256 = false, FileName = "notes.txt", ContentType = "text/csv" });

        FakeUploadService.Session session = _fixture.Fake.Sessions[result.UploadId];
        session.Sha256.Should().BeNull();
        session.FileName.Should().Be("notes.txt");
        session.ContentType.Should().Be("text/csv");
        result.Sha256.Should().BeNull();
    }

    [Theory]
    [InlineData("photo.JPG", "image/jpeg")]
    [InlineData("data.csv", "text/csv")]
    [InlineData("archive.zip", "application/zip")]
    [InlineData("no-extension", "application/octet-stream")]
    [InlineData("odd.xyz", "application/octet-stream")]
    public async Task The_content_type_defaults_from_the_extension(string fileName, string expected)
    {
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path, new UploadRequest { FileName = fileName });

        _fixture.Fake.Sessions[result.UploadId].ContentType.Should().Be(expected);
    }

    [Fact]
    public async Task A_failing_POST_form_is_retried_then_succeeds()
    {
        string path = _fixture.File(1000);
        _fixture.Fake.PartFault = (part, attempt) => part == 0 && attempt < 3 ? FakeUploadService.Xml(System.Net.HttpStatusCode.ServiceUnavailable, "SlowDown", "Reduce your request rate.") : null;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        _fixture.Fake.Count("POST form").Should().Be(3);
        _fixture.Fake.Sessions[result.UploadId].State.Should().Be("completed");
    }

    [Fact]
    public async Task A_refused_POST_form_aborts_the_upload_and_throws_the_S3_code()
    {
        string path = _fixture.File(1000);
        _fixture.Fake.PartFault = (_, _) => FakeUploadService.Xml(System.Net.HttpStatusCode.Forbidden, "AccessDenied", "Invalid according to Policy");
        using UploadClient client = _fixture.Client();

        Func<Task> upload = () => client.UploadAsync(path);

        (await upload.Should().ThrowAsync<UploadStorageException>()).Which.Code.Should().Be("AccessDenied");
        _fixture.Fake.Count("POST form").Should().Be(1);
        _fixture.Fake.Log.Should().Contain("DELETE /uploads/{id}").And.NotContain("POST /uploads/{id}/complete");
        _fixture.Fake.Sessions.Values.Single().State.Should().Be("aborted");
    }
}

public sealed class SingleUploadAmbiguityTests : IDisposable
{
    private readonly UploadFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_POST_form_stored_but_unanswered_then_refused_is_completed_not_aborted()
    {
        // The first POST reached S3 but its answer was lost; the retries are refused. The API cannot delete the object,
        // so an abort would leave it behind unannounced: the client asks the server to complete instead (it checks S3).
        string path = _fixture.File(1000);
        _fixture.Fake.FormAnswerLost = attempt => attempt == 1;
        _fixture.Fake.PartFault = (_, attempt) => attempt > 1 ? FakeUploadService.Xml(System.Net.HttpStatusCode.Forbidden, "AccessDenied", "Invalid according to Policy: Policy expired.") : null;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        _fixture.Fake.Sessions[result.UploadId].State.Should().Be("completed");
        UploadFixture.Sha256Of(_fixture.Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        _fixture.Fake.Log.Should().NotContain("DELETE /uploads/{id}");
    }

    [Fact]
    public async Task A_POST_form_stored_but_answered_500_then_refused_is_completed_not_aborted()
    {
        // S3's 500 does not say the object was not stored (the conservation run caught one stored under an aborted session).
        string path = _fixture.File(1000);
        _fixture.Fake.FormAnswerAfterStore = attempt => attempt == 1 ? FakeUploadService.Xml(System.Net.HttpStatusCode.InternalServerError, "InternalError", "stored, then failed") : null;
        _fixture.Fake.PartFault = (_, attempt) => attempt > 1 ? FakeUploadService.Xml(System.Net.HttpStatusCode.Forbidden, "AccessDenied", "Invalid according to Policy: Policy expired.") : null;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        _fixture.Fake.Sessions[result.UploadId].State.Should().Be("completed");
        _fixture.Fake.Log.Should().NotContain("DELETE /uploads/{id}");
    }

    [Theory]
    [InlineData(1000L)]
    [InlineData(20L * 1024 * 1024)]
    public async Task A_complete_call_without_a_definite_answer_is_asked_again_not_aborted(long size)
    {
        // Every byte is in S3; the complete call fails transiently on every retry. The server may be completing it right
        // now, so an abort would race it: the client asks once more (off the caller's token) and returns the upload.
        string path = _fixture.File(size);
        int calls = 0;
        _fixture.Fake.ApiFault = call => call == "POST /uploads/{id}/complete" && Interlocked.Increment(ref calls) <= 2
            ? FakeUploadService.Error(System.Net.HttpStatusCode.ServiceUnavailable, "TryAgain", "busy")
            : null;
        using UploadClient client = _fixture.Client(attempts: 2);

        UploadResult result = await client.UploadAsync(path);

        _fixture.Fake.Sessions[result.UploadId].State.Should().Be("completed");
        _fixture.Fake.Log.Should().NotContain("DELETE /uploads/{id}");
        calls.Should().Be(3);
    }

    [Fact]
    public async Task A_cancel_while_the_POST_form_is_on_the_wire_waits_for_it_and_completes_what_S3_stored()
    {
        // Cutting the request would not stop S3 storing it, and the API cannot delete it: an abort then would leave an
        // unannounced object. The client lets the POST finish, sees it stored, and completes.
        string path = _fixture.File(1000);
        _fixture.Fake.ServerOutlivesClient = true;
        _fixture.Fake.FormDelay = TimeSpan.FromMilliseconds(400);
        using var cancel = new CancellationTokenSource();
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path, new UploadRequest { OnStarted = _ => cancel.CancelAfter(100) }, cancellationToken: cancel.Token);

        cancel.IsCancellationRequested.Should().BeTrue();
        _fixture.Fake.Sessions[result.UploadId].State.Should().Be("completed");
        _fixture.Fake.Log.Should().NotContain("DELETE /uploads/{id}");
    }

    [Fact]
    public async Task A_POST_form_that_never_reached_S3_is_still_aborted_after_the_server_says_NotUploaded()
    {
        string path = _fixture.File(1000);
        _fixture.Fake.PartFault = (_, attempt) => attempt == 1
            ? throw new HttpRequestException("connection reset (fake)")
            : FakeUploadService.Xml(System.Net.HttpStatusCode.Forbidden, "AccessDenied", "Invalid according to Policy");
        using UploadClient client = _fixture.Client();

        Func<Task> upload = () => client.UploadAsync(path);

        (await upload.Should().ThrowAsync<UploadStorageException>()).Which.Code.Should().Be("AccessDenied");
        _fixture.Fake.Log.Should().ContainInOrder("POST /uploads/{id}/complete", "DELETE /uploads/{id}");
        _fixture.Fake.Sessions.Values.Single().State.Should().Be("aborted");
        _fixture.Fake.Sessions.Values.Single().Object.Should().BeNull();
    }
}

/// <summary>Records progress on the reporting thread (Progress&lt;T&gt; would post later).</summary>
internal sealed class SyncProgress(Action<UploadProgress> report) : IProgress<UploadProgress>
{
    public void Report(UploadProgress value)
    {
        lock (this)
        {
            report(value);
        }
    }
}
