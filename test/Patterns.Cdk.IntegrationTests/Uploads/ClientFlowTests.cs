using System.Net;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.IntegrationTests.Uploads.Host;
using Patterns.Cdk.Uploads.Client;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>
/// The upload client against the local API (bundled handlers in-process) and fauxqs behind the S3 front: the
/// issue's list of uploads, each checked by the SHA-256 of the stored object and the Upload.Completed event.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class ClientFlowTests(EmulatorFixture emulators) : IAsyncLifetime, IDisposable
{
    private const int Part = 8 * 1024 * 1024;
    private readonly string _dir = Directory.CreateTempSubdirectory("upload-flow-").FullName;
    private LocalUploadDeployment _api = null!;

    public async Task InitializeAsync() => _api = await LocalUploadDeployment.StartAsync(emulators, TimeSpan.FromSeconds(3));

    public async Task DisposeAsync()
    {
        _api.Api.FunctionErrors.Should().BeEmpty(_api.Log);
        _api.Api.ServerErrors.Should().BeEmpty();
        _api.Front.ServerErrors.Should().BeEmpty();
        await _api.DisposeAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private UploadClient Client(ApiCaller caller, int attempts = 5, bool abortOnFailure = true, int parallel = 4) => new(new UploadClientOptions
    {
        ApiUrl = _api.Api.InvokeUrl,
        Region = EmulatorFixture.Region,
        Credentials = caller.Credentials,
        MaxParallelParts = parallel,
        MaxAttemptsPerPart = attempts,
        AbortOnFailure = abortOnFailure,
        RequestTimeout = TimeSpan.FromSeconds(60),
    });

    private string File(string name, long size)
    {
        string path = Path.Combine(_dir, name);
        using FileStream output = System.IO.File.Create(path);
        byte[] chunk = new byte[1024 * 1024];
        for (long written = 0; written < size; written += chunk.Length)
        {
            RandomNumberGenerator.Fill(chunk);
            output.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }

        return path;
    }

    private async Task ShouldBeStoredAsync(UploadResult result, string path)
    {
        using GetObjectResponse stored = await emulators.S3.GetObjectAsync(_api.Bucket, result.Key);
        byte[] hash = await SHA256.HashDataAsync(stored.ResponseStream);
        using FileStream source = System.IO.File.OpenRead(path);
        hash.Should().Equal(await SHA256.HashDataAsync(source), "the stored object is the file");
        result.Size.Should().Be(new FileInfo(path).Length);
        result.Key.Should().Be($"uploads/{LocalUploadDeployment.Alice.Scope}/{result.UploadId}/{Path.GetFileName(path)}");
        _api.Events.Of("Upload.Completed").Should().Contain(e => e["Detail"]!.GetValue<string>().Contains(result.UploadId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Part)]
    public async Task A_file_of_up_to_one_part_is_one_POST_form(long size)
    {
        string path = File($"single-{size}.bin", size);
        using UploadClient client = Client(LocalUploadDeployment.Alice);
        UploadResult result = await client.UploadAsync(path);
        await ShouldBeStoredAsync(result, path);
        _api.Front.Log.Should().ContainSingle(l => l.Contains("PostObject", StringComparison.Ordinal));
        _api.Front.Log.Should().NotContain(l => l.Contains(" part ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Many_parts_survive_failed_part_requests_and_an_expired_url()
    {
        string path = File("many.bin", (3 * Part) + 4321);
        _api.Front.Faults = r => (r.PartNumber, r.Attempt) switch
        {
            (2, 1) => new Fault.Fail(500, "InternalError"),
            (3, 1) => new Fault.Fail(503, "SlowDown"),
            (4, 1) => new Fault.Hold(TimeSpan.FromSeconds(4)), // its 3 s URL expires while held
            _ => null,
        };
        using UploadClient client = Client(LocalUploadDeployment.Alice);
        UploadResult result = await client.UploadAsync(path);
        await ShouldBeStoredAsync(result, path);
        _api.Front.Log.Should().Contain(l => l.Contains("part 4 #1 -> 403 AccessDenied", StringComparison.Ordinal), "the held part's URL expired");
        _api.Front.Log.Should().Contain(l => l.Contains("part 2 #1 -> 500", StringComparison.Ordinal));
        _api.Front.OpenUploads.Should().BeEmpty();
    }

    [Fact]
    public async Task A_cancelled_upload_is_aborted_and_leaves_nothing()
    {
        string path = File("cancelled.bin", (2 * Part) + 1);
        string? uploadId = null;
        using var cancel = new CancellationTokenSource();
        _api.Front.Faults = r => r.PartNumber == 2 ? new Fault.Hold(TimeSpan.FromSeconds(1)) : null;
        var progress = new SynchronousProgress(p =>
        {
            if (p.PartsCompleted >= 1)
            {
                cancel.Cancel();
            }
        });
        using UploadClient client = Client(LocalUploadDeployment.Alice);
        Func<Task> upload = () => client.UploadAsync(path, new UploadRequest { OnStarted = id => uploadId = id }, progress, cancel.Token);
        await upload.Should().ThrowAsync<OperationCanceledException>();

        uploadId.Should().NotBeNull();
        (await _api.SessionAsync(uploadId!))!["state"].S.Should().Be("aborted");
        _api.Front.OpenUploads.Should().BeEmpty("the multipart upload was aborted");
        (await _api.KeysAsync()).Should().BeEmpty();
        _api.Events.Entries.Should().BeEmpty();
    }

    [Fact]
    public async Task An_interrupted_upload_resumes_without_sending_its_stored_parts_again()
    {
        string path = File("resumed.bin", (2 * Part) + 99);
        string? uploadId = null;
        _api.Front.Faults = r => r.PartNumber == 3 ? new Fault.Fail(500, "InternalError") : null;
        // One part at a time, so parts 1 and 2 are stored when part 3 fails for good (in parallel, a part still in
        // flight when the client gives up may land after the resume listed the parts, and be sent again).
        using (UploadClient failing = Client(LocalUploadDeployment.Alice, attempts: 2, abortOnFailure: false, parallel: 1))
        {
            Func<Task> first = () => failing.UploadAsync(path, new UploadRequest { OnStarted = id => uploadId = id });
            await first.Should().ThrowAsync<UploadStorageException>();
        }

        _api.Front.Faults = null;
        using UploadClient client = Client(LocalUploadDeployment.Alice);
        UploadResult result = await client.ResumeAsync(uploadId!, path);
        await ShouldBeStoredAsync(result, path);
        _api.Front.Log.Count(l => l.StartsWith("PUT ", StringComparison.Ordinal) && l.Contains(" part 1 ", StringComparison.Ordinal) && l.EndsWith("-> 200", StringComparison.Ordinal))
            .Should().Be(1, "part 1 was stored before the interruption:\n" + string.Join("\n", _api.Front.Log));
        _api.Front.Log.Count(l => l.Contains(" part 3 ", StringComparison.Ordinal) && l.EndsWith("-> 200", StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public async Task Another_callers_upload_id_is_forbidden()
    {
        string path = File("alice.bin", (2 * Part) + 7);
        string? uploadId = null;
        _api.Front.Faults = r => r.PartNumber == 2 ? new Fault.Fail(500, "InternalError") : null;
        using (UploadClient alice = Client(LocalUploadDeployment.Alice, attempts: 1, abortOnFailure: false))
        {
            Func<Task> interrupted = () => alice.UploadAsync(path, new UploadRequest { OnStarted = id => uploadId = id });
            await interrupted.Should().ThrowAsync<UploadStorageException>();
        }

        _api.Front.Faults = null;
        using UploadClient bob = Client(LocalUploadDeployment.Bob);
        Func<Task> resume = () => bob.ResumeAsync(uploadId!, path);
        (await resume.Should().ThrowAsync<UploadApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        Func<Task> abort = () => bob.AbortAsync(uploadId!);
        (await abort.Should().ThrowAsync<UploadApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _api.SessionAsync(uploadId!))!["state"].S.Should().Be("open", "Bob changed nothing");
    }

    private sealed class SynchronousProgress(Action<UploadProgress> report) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => report(value);
    }
}
