using System.Net;
using Patterns.Cdk.Uploads.Client.Tests.Fakes;

namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class MultipartUploadTests : IDisposable
{
    private const int PartSize = 64 * 1024;
    private readonly UploadFixture _fixture = new();

    public MultipartUploadTests()
    {
        _fixture.Fake.SingleMaxBytes = PartSize;
        _fixture.Fake.PartSizeFor = _ => PartSize;
    }

    public void Dispose() => _fixture.Dispose();

    private FakeUploadService Fake => _fixture.Fake;

    [Fact]
    public async Task Many_parts_arrive_complete_and_in_order_with_one_MD5_checked_PUT_each()
    {
        long size = (100L * PartSize) + 123;
        string path = _fixture.File(size);
        var reports = new List<UploadProgress>();
        using UploadClient client = _fixture.Client(batch: 16);

        UploadResult result = await client.UploadAsync(path, progress: new SyncProgress(reports.Add));

        FakeUploadService.Session session = Fake.Sessions[result.UploadId];
        session.PartCount.Should().Be(101);
        session.State.Should().Be("completed");
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Enumerable.Range(1, 101).Should().OnlyContain(n => Fake.PartPuts(n) == 1);
        Fake.Count("POST /uploads/{id}/complete").Should().Be(1);
        Fake.Log.Should().NotContain("DELETE /uploads/{id}");
        reports[^1].Should().Be(new UploadProgress(size, size, 101, 101));
        reports.Select(r => r.BytesTransferred).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task Each_part_URL_is_asked_for_with_the_MD5_of_exactly_that_part()
    {
        long size = (20L * PartSize) + 5;
        string path = _fixture.File(size);
        byte[] bytes = File.ReadAllBytes(path);
        using UploadClient client = _fixture.Client(parallel: 3, batch: 6);

        await client.UploadAsync(path);

        (int PartNumber, string? Md5)[] asked = [.. Fake.PartUrlMd5s];
        asked.Select(a => a.PartNumber).Should().BeEquivalentTo(Enumerable.Range(1, 21));
        foreach ((int n, string? md5) in asked)
        {
            int offset = (n - 1) * PartSize;
            md5.Should().Be(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(bytes.AsSpan(offset, Math.Min(PartSize, bytes.Length - offset)))));
        }
    }

    [Fact]
    public async Task A_forward_only_stream_asks_for_URLs_with_the_MD5s_of_the_parts_it_has_read()
    {
        long size = 9L * PartSize;
        string path = _fixture.File(size);
        using UploadClient client = _fixture.Client(parallel: 2);
        using var stream = new ForwardOnlyStream(File.OpenRead(path));

        UploadResult result = await client.UploadAsync(stream, new UploadRequest { FileName = "p.bin", Size = size });

        Fake.Sessions[result.UploadId].State.Should().Be("completed");
        Fake.PartUrlMd5s.Should().OnlyContain(a => a.Md5 != null).And.HaveCount(9);
    }

    [Fact]
    public async Task Part_URLs_come_in_batches_no_larger_than_asked_and_each_part_is_minted_once()
    {
        Fake.PartDelay = TimeSpan.FromMilliseconds(2);
        string path = _fixture.File(100L * PartSize);
        using UploadClient client = _fixture.Client(parallel: 4, batch: 10);

        await client.UploadAsync(path);

        int[][] batches = [.. Fake.PartUrlRequests];
        batches.Should().OnlyContain(b => b.Length >= 1 && b.Length <= 10);
        batches.SelectMany(b => b).Should().BeEquivalentTo(Enumerable.Range(1, 100), "no URL is minted twice when none expires");
        batches.Length.Should().BeGreaterThanOrEqualTo(10).And.BeLessThanOrEqualTo(40, "URLs are fetched in batches ahead, not one call per part");
    }

    [Fact]
    public async Task Never_more_parts_in_flight_than_MaxParallelParts()
    {
        Fake.PartDelay = TimeSpan.FromMilliseconds(15);
        string path = _fixture.File(40L * PartSize);
        using UploadClient client = _fixture.Client(parallel: 3);

        await client.UploadAsync(path);

        Fake.MaxPartsInFlight.Should().BeLessThanOrEqualTo(3).And.BeGreaterThanOrEqualTo(2, "parts do go out in parallel");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public async Task Buffers_in_use_never_exceed_MaxParallelParts_each_one_part_long(int parallel)
    {
        Fake.PartDelay = TimeSpan.FromMilliseconds(5);
        string path = _fixture.File(30L * PartSize);
        using UploadClient client = _fixture.Client(parallel: parallel);

        await client.UploadAsync(path);

        _fixture.Pool.MaxOutstanding.Should().BeLessThanOrEqualTo(parallel);
        _fixture.Pool.LargestRequest.Should().Be(PartSize);
        _fixture.Pool.Outstanding.Should().Be(0, "every buffer is returned");
    }

    [Fact]
    public async Task A_file_is_sent_from_disk_in_chunks_so_memory_does_not_grow_with_the_part_size()
    {
        const int bigPart = 1024 * 1024; // four times the client's 256 KiB read chunk
        Fake.SingleMaxBytes = bigPart;
        Fake.PartSizeFor = _ => bigPart;
        Fake.PartDelay = TimeSpan.FromMilliseconds(5);
        long size = (6L * bigPart) + 17;
        string path = _fixture.File(size);
        using UploadClient client = _fixture.Client(parallel: 3);

        UploadResult result = await client.UploadAsync(path);

        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        _fixture.Pool.LargestRequest.Should().Be(256 * 1024, "a part is read and sent one chunk at a time, never held whole");
        _fixture.Pool.MaxOutstanding.Should().BeLessThanOrEqualTo(3, "one chunk per part in flight");
        _fixture.Pool.Outstanding.Should().Be(0);
    }

    [Theory]
    [InlineData(8L * 1024 * 1024, null)]
    [InlineData((8L * 1024 * 1024) + 1, 8L * 1024 * 1024)]
    [InlineData(1024L * 1024 * 1024, 8L * 1024 * 1024)]
    [InlineData(100L * 1024 * 1024 * 1024, 11L * 1024 * 1024)]
    [InlineData(5L * 1024 * 1024 * 1024 * 1024, 525L * 1024 * 1024)]
    public void The_expected_part_size_is_the_APIs_documented_choice(long size, long? partSize) =>
        Internal.Md5Ahead.ExpectedPartSize(size).Should().Be(partSize);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Part_MD5s_computed_beside_the_SHA256_pass_serve_the_URLs_when_the_API_picks_the_expected_part_size(bool expected)
    {
        const long MiB = 1024 * 1024;
        Fake.SingleMaxBytes = 8 * MiB;
        Fake.PartSizeFor = expected ? (size => Internal.Md5Ahead.ExpectedPartSize(size)!.Value) : (_ => 5 * MiB);
        long size = (17 * MiB) + 5;
        string path = _fixture.File(size);
        using UploadClient client = _fixture.Client(parallel: 2);

        UploadResult result = await client.UploadAsync(path);

        FakeUploadService.Session session = Fake.Sessions[result.UploadId];
        session.PartCount.Should().Be(expected ? 3 : 4);
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Enumerable.Range(1, session.PartCount).Should().OnlyContain(n => Fake.PartPuts(n) == 1, "every part's signed Content-MD5 was right the first time");
    }

    [Fact]
    public async Task A_stream_that_cannot_seek_uploads_with_bounded_buffers_and_parts_in_parallel()
    {
        Fake.PartDelay = TimeSpan.FromMilliseconds(10);
        long size = (25L * PartSize) + 7;
        string path = _fixture.File(size);
        using UploadClient client = _fixture.Client(parallel: 4);
        using var stream = new ForwardOnlyStream(File.OpenRead(path));

        UploadResult result = await client.UploadAsync(stream, new UploadRequest { FileName = "piped.bin", Size = size });

        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Fake.Sessions[result.UploadId].Sha256.Should().BeNull("a forward-only stream cannot be hashed before the upload");
        _fixture.Pool.MaxOutstanding.Should().BeLessThanOrEqualTo(4);
        _fixture.Pool.LargestRequest.Should().Be(PartSize, "a stream cannot be read twice, so each part is held whole until stored");
        Fake.MaxPartsInFlight.Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_stream_shorter_than_its_declared_size_fails_and_is_aborted()
    {
        string path = _fixture.File(3L * PartSize);
        using UploadClient client = _fixture.Client();
        using var stream = new ForwardOnlyStream(File.OpenRead(path));

        Func<Task> upload = () => client.UploadAsync(stream, new UploadRequest { FileName = "short.bin", Size = (4L * PartSize) + 1 });

        await upload.Should().ThrowAsync<IOException>();
        Fake.Log.Should().Contain("DELETE /uploads/{id}").And.NotContain("POST /uploads/{id}/complete");
    }

    [Fact]
    public async Task A_stream_longer_than_its_declared_size_fails()
    {
        string path = _fixture.File(3L * PartSize);
        using UploadClient client = _fixture.Client();
        using var stream = new ForwardOnlyStream(File.OpenRead(path));

        Func<Task> upload = () => client.UploadAsync(stream, new UploadRequest { FileName = "long.bin", Size = 2L * PartSize });

        await upload.Should().ThrowAsync<IOException>().WithMessage("*more bytes*");
        Fake.Log.Should().NotContain("POST /uploads/{id}/complete");
    }

    [Fact]
    public async Task A_seekable_memory_stream_is_hashed_and_uploaded_from_its_position()
    {
        byte[] bytes = new byte[(5 * PartSize) + 3];
        Random.Shared.NextBytes(bytes);
        using var stream = new MemoryStream(bytes);
        stream.Position = 3;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(stream, new UploadRequest { FileName = "mem.bin" });

        byte[] expected = bytes[3..];
        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256Of(expected));
        Fake.Sessions[result.UploadId].Sha256.Should().Be(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(expected)));
    }

    [Fact]
    public async Task A_FileStream_is_read_by_offset_from_its_position()
    {
        string path = _fixture.File((6L * PartSize) + 10);
        using var stream = File.OpenRead(path);
        stream.Position = 10;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(stream, new UploadRequest { FileName = "tail.bin" });

        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256Of(File.ReadAllBytes(path)[10..]));
    }

    [Fact]
    public async Task Injected_part_failures_are_retried_per_part_until_they_succeed()
    {
        Fake.PartFault = (part, attempt) => (part, attempt) switch
        {
            (2, 1) or (2, 2) => FakeUploadService.Xml(HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error."),
            (5, 1) => FakeUploadService.Xml(HttpStatusCode.ServiceUnavailable, "SlowDown", "Reduce your request rate."),
            (7, 1) => throw new HttpRequestException("connection reset"),
            (9, 1) => FakeUploadService.Xml(HttpStatusCode.BadRequest, "BadDigest", "The Content-MD5 you specified did not match."),
            _ => null,
        };
        string path = _fixture.File(12L * PartSize);
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Fake.PartPuts(2).Should().Be(3);
        Fake.PartPuts(5).Should().Be(2);
        Fake.PartPuts(7).Should().Be(2);
        Fake.PartPuts(9).Should().Be(2);
        Fake.PartPuts(1).Should().Be(1);
    }

    [Fact]
    public async Task A_part_that_keeps_failing_fails_the_upload_after_MaxAttemptsPerPart_and_aborts_it()
    {
        Fake.PartFault = (part, _) => part == 4 ? FakeUploadService.Xml(HttpStatusCode.InternalServerError, "InternalError", "boom") : null;
        string path = _fixture.File(10L * PartSize);
        using UploadClient client = _fixture.Client(attempts: 3);

        Func<Task> upload = () => client.UploadAsync(path);

        UploadStorageException error = (await upload.Should().ThrowAsync<UploadStorageException>()).Which;
        error.PartNumber.Should().Be(4);
        error.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        error.Code.Should().Be("InternalError");
        error.Message.Should().Contain("3 attempt");
        Fake.PartPuts(4).Should().Be(3);
        Fake.Log.Should().Contain("DELETE /uploads/{id}").And.NotContain("POST /uploads/{id}/complete");
        Fake.Sessions.Values.Single().State.Should().Be("aborted");
        _fixture.Pool.Outstanding.Should().Be(0);
    }

    [Fact]
    public async Task A_part_that_fails_for_good_lets_the_parts_in_flight_finish_before_the_abort()
    {
        // S3 may still store a part whose request it received before an abort. So when one part fails for good, the
        // parts already sent are not cut: their answers are awaited, and only then is the upload aborted.
        Fake.ServerOutlivesClient = true;
        Fake.PartDelayOf = part => TimeSpan.FromMilliseconds(part == 1 ? 150 : 600); // parts 2 to 4 are on the wire when part 1 fails
        Fake.PartFault = (part, _) => part == 1 ? FakeUploadService.Xml(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied") : null;
        string path = _fixture.File(8L * PartSize);
        using UploadClient client = _fixture.Client(parallel: 4);

        Func<Task> upload = () => client.UploadAsync(path);

        (await upload.Should().ThrowAsync<UploadStorageException>()).Which.PartNumber.Should().Be(1);
        for (int waited = 0; Fake.PartsInFlight > 0 && waited < 100; waited++)
        {
            await Task.Delay(50); // the server finishes what it received, whatever the client did
        }

        Fake.Sessions.Values.Single().State.Should().Be("aborted");
        Fake.PartsStoredAfterAbort.Should().BeEmpty("the abort went out after every part in flight had its answer");
        Fake.Log.Count(l => l.StartsWith("PUT part", StringComparison.Ordinal)).Should().Be(4, "parts 2 to 4 were in flight, and none is sent after the failure");
        int abort = Fake.Log.ToList().IndexOf("DELETE /uploads/{id}");
        abort.Should().BeGreaterThan(0);
        _fixture.Pool.Outstanding.Should().Be(0);
    }

    [Fact]
    public async Task A_part_error_that_retrying_cannot_fix_fails_at_once()
    {
        Fake.PartFault = (part, _) => part == 3 ? FakeUploadService.Xml(HttpStatusCode.NotFound, "NoSuchUpload", "The specified upload does not exist.") : null;
        string path = _fixture.File(5L * PartSize);
        using UploadClient client = _fixture.Client();

        Func<Task> upload = () => client.UploadAsync(path);

        (await upload.Should().ThrowAsync<UploadStorageException>()).Which.Code.Should().Be("NoSuchUpload");
        Fake.PartPuts(3).Should().Be(1);
    }

    [Fact]
    public async Task An_expired_part_URL_is_replaced_by_a_fresh_one()
    {
        Fake.ExpireFirstUrlOf.UnionWith([3, 10]);
        string path = _fixture.File(12L * PartSize);
        using UploadClient client = _fixture.Client(attempts: 2);

        UploadResult result = await client.UploadAsync(path);

        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        int[] minted = [.. Fake.PartUrlRequests.SelectMany(b => b)];
        minted.Count(n => n == 3).Should().Be(2);
        minted.Count(n => n == 10).Should().Be(2);
        minted.Count(n => n == 4).Should().Be(1);
        Fake.PartPuts(3).Should().Be(2);
    }

    [Fact]
    public async Task A_bare_403_on_a_URL_past_its_expiresAt_also_gets_a_fresh_URL()
    {
        Fake.PastExpiryFirstUrlOf.Add(2);
        string path = _fixture.File(4L * PartSize);
        using UploadClient client = _fixture.Client(attempts: 2);

        UploadResult result = await client.UploadAsync(path);

        Fake.Sessions[result.UploadId].State.Should().Be("completed");
        Fake.PartUrlRequests.SelectMany(b => b).Count(n => n == 2).Should().Be(2);
    }

    [Fact]
    public async Task A_bare_403_on_a_live_URL_is_not_retried()
    {
        Fake.PartFault = (part, _) => part == 2 ? FakeUploadService.Xml(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied") : null;
        string path = _fixture.File(4L * PartSize);
        using UploadClient client = _fixture.Client();

        Func<Task> upload = () => client.UploadAsync(path);

        (await upload.Should().ThrowAsync<UploadStorageException>()).Which.Code.Should().Be("AccessDenied");
        Fake.PartPuts(2).Should().Be(1);
    }

    [Fact]
    public async Task Cancellation_aborts_the_upload_and_completes_nothing()
    {
        using var cancel = new CancellationTokenSource();
        int stored = 0;
        Fake.PartDelay = TimeSpan.FromMilliseconds(5);
        Fake.OnPartStored = _ =>
        {
            if (Interlocked.Increment(ref stored) == 3)
            {
                cancel.Cancel();
            }
        };
        string path = _fixture.File(50L * PartSize);
        using UploadClient client = _fixture.Client(parallel: 2);

        Func<Task> upload = () => client.UploadAsync(path, cancellationToken: cancel.Token);

        await upload.Should().ThrowAsync<OperationCanceledException>();
        Fake.Log.Should().Contain("DELETE /uploads/{id}").And.NotContain("POST /uploads/{id}/complete");
        FakeUploadService.Session session = Fake.Sessions.Values.Single();
        session.State.Should().Be("aborted");
        session.Object.Should().BeNull();
        Fake.Log.Count(l => l.StartsWith("PUT", StringComparison.Ordinal)).Should().BeLessThan(50);
        _fixture.Pool.Outstanding.Should().Be(0);
    }

    [Fact]
    public async Task With_AbortOnFailure_off_a_failed_upload_stays_open_for_resume()
    {
        Fake.PartFault = (part, _) => part == 2 ? FakeUploadService.Xml(HttpStatusCode.InternalServerError, "InternalError", "boom") : null;
        string path = _fixture.File(6L * PartSize);
        string? uploadId = null;
        using UploadClient client = _fixture.Client(attempts: 2, abortOnFailure: false);

        Func<Task> upload = () => client.UploadAsync(path, new UploadRequest { OnStarted = id => uploadId = id });

        await upload.Should().ThrowAsync<UploadStorageException>();
        Fake.Log.Should().NotContain("DELETE /uploads/{id}");
        uploadId.Should().NotBeNull();
        Fake.Sessions[uploadId!].State.Should().Be("open");

        Fake.PartFault = null;
        UploadResult result = await client.ResumeAsync(uploadId!, path);
        UploadFixture.Sha256Of(Fake.Sessions[result.UploadId].Object!).Should().Be(UploadFixture.Sha256OfFile(path));
    }

    [Fact]
    public async Task Resume_uploads_only_the_parts_S3_does_not_hold()
    {
        long size = (10L * PartSize) + 99;
        string path = _fixture.File(size);
        byte[] bytes = File.ReadAllBytes(path);
        FakeUploadService.Session session = Fake.StartSession(FakeUploadService.Alice, size);
        foreach (int n in new[] { 1, 2, 5, 11 })
        {
            int offset = (n - 1) * PartSize;
            session.Parts[n] = bytes[offset..Math.Min(offset + PartSize, bytes.Length)];
        }

        session.Parts[7] = new byte[10]; // a part of the wrong size is uploaded again
        var reports = new List<UploadProgress>();
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.ResumeAsync(session.Id, path, new SyncProgress(reports.Add));

        result.UploadId.Should().Be(session.Id);
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Fake.Log.Should().StartWith("GET /uploads/{id}");
        Fake.PartUrlRequests.SelectMany(b => b).Should().BeEquivalentTo([3, 4, 6, 7, 8, 9, 10]);
        new[] { 1, 2, 5, 11 }.Should().OnlyContain(n => Fake.PartPuts(n) == 0);
        reports[0].Should().Be(new UploadProgress((3L * PartSize) + 99, size, 4, 11));
        reports[^1].Should().Be(new UploadProgress(size, size, 11, 11));
    }

    [Fact]
    public async Task A_start_whose_answer_was_lost_is_retried_with_the_same_client_token_and_opens_one_session()
    {
        string path = _fixture.File(3L * PartSize);
        int starts = 0;
        Fake.StartAnswerLost = () => ++starts == 1;
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        Fake.StartTokens.Should().HaveCount(2);
        Fake.StartTokens.Distinct().Should().ContainSingle().Which.Should().MatchRegex("^[0-9a-f]{32}$");
        Fake.Sessions.Should().ContainSingle("the retry found the session the lost answer had opened");
        Fake.Sessions[result.UploadId].State.Should().Be("completed");
    }

    [Fact]
    public async Task When_the_abort_after_a_failure_finds_a_completion_begun_the_client_finishes_it_instead()
    {
        string path = _fixture.File(3L * PartSize);
        int completeCalls = 0;
        Fake.ApiFault = route =>
        {
            if (route != "POST /uploads/{id}/complete" || ++completeCalls > 4)
            {
                return null;
            }

            // The server claimed the completion, then failed: the upload stays "completing", which no abort may pass.
            Fake.Sessions.Values.Single().State = "completing";
            return FakeUploadService.Error(HttpStatusCode.ServiceUnavailable, "TryAgain", "try again");
        };
        using UploadClient client = _fixture.Client(attempts: 2);

        UploadResult result = await client.UploadAsync(path);

        FakeUploadService.Session session = Fake.Sessions[result.UploadId];
        session.State.Should().Be("completed");
        UploadFixture.Sha256Of(session.Object!).Should().Be(UploadFixture.Sha256OfFile(path));
        Fake.Log.Should().Contain("DELETE /uploads/{id}", "the client tried to abort after the completion kept failing");
        completeCalls.Should().Be(5, "two attempts, two more to confirm, then one after the refused abort");
    }

    [Fact]
    public async Task Resume_of_a_completed_upload_returns_it_without_uploading()
    {
        string path = _fixture.File(3L * PartSize);
        using UploadClient client = _fixture.Client();
        UploadResult first = await client.UploadAsync(path);
        int puts = Fake.Log.Count(l => l.StartsWith("PUT", StringComparison.Ordinal));

        UploadResult again = await client.ResumeAsync(first.UploadId, path);

        again.Key.Should().Be(first.Key);
        Fake.Log.Count(l => l.StartsWith("PUT", StringComparison.Ordinal)).Should().Be(puts);
    }

    [Fact]
    public async Task Resume_refuses_an_aborted_upload_and_a_file_of_another_size()
    {
        string path = _fixture.File(3L * PartSize);
        FakeUploadService.Session open = Fake.StartSession(FakeUploadService.Alice, (3L * PartSize) + 1);
        FakeUploadService.Session aborted = Fake.StartSession(FakeUploadService.Alice, 3L * PartSize);
        aborted.State = "aborted";
        using UploadClient client = _fixture.Client();

        await ((Func<Task>)(() => client.ResumeAsync(open.Id, path))).Should().ThrowAsync<InvalidOperationException>().WithMessage("*expects*bytes*");
        await ((Func<Task>)(() => client.ResumeAsync(aborted.Id, path))).Should().ThrowAsync<InvalidOperationException>().WithMessage("*aborted*");
    }

    [Fact]
    public async Task Resume_of_another_callers_upload_is_forbidden()
    {
        string path = _fixture.File(3L * PartSize);
        FakeUploadService.Session bobs = Fake.StartSession(FakeUploadService.Bob, 3L * PartSize);
        using UploadClient client = _fixture.Client(caller: FakeUploadService.Alice);

        Func<Task> resume = () => client.ResumeAsync(bobs.Id, path);

        UploadApiException error = (await resume.Should().ThrowAsync<UploadApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Code.Should().Be("Forbidden");
        bobs.State.Should().Be("open", "a 403 on GET does not abort someone else's upload");
    }

    [Fact]
    public async Task Abort_sends_DELETE_and_GetStatus_reads_the_session()
    {
        FakeUploadService.Session session = Fake.StartSession(FakeUploadService.Alice, 3L * PartSize, "x.bin");
        session.Parts[1] = new byte[PartSize];
        using UploadClient client = _fixture.Client();

        UploadStatus status = await client.GetStatusAsync(session.Id);
        await client.AbortAsync(session.Id);

        status.State.Should().Be("open");
        status.Mode.Should().Be("multipart");
        status.PartCount.Should().Be(3);
        status.PartSize.Should().Be(PartSize);
        status.FileName.Should().Be("x.bin");
        status.Parts.Should().ContainSingle().Which.Should().Be(new UploadedPart(1, PartSize, "\"1\""));
        session.State.Should().Be("aborted");
    }
}
