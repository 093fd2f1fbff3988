using System.Net;
using System.Text.Json.Nodes;
using Patterns.Cdk.Uploads.Client.Tests.Fakes;

namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class ErrorMappingTests : IDisposable
{
    private readonly UploadFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private FakeUploadService Fake => _fixture.Fake;

    [Fact]
    public async Task UnsupportedContentType_carries_the_allowed_list()
    {
        Fake.ApiFault = route => route == "POST /uploads"
            ? FakeUploadService.Error(HttpStatusCode.UnsupportedMediaType, "UnsupportedContentType", "video/mp4 is not allowed", new JsonObject { ["allowed"] = new JsonArray("image/png", "text/plain") })
            : null;
        string path = _fixture.File(10, ".mp4");
        using UploadClient client = _fixture.Client();

        Func<Task> upload = () => client.UploadAsync(path);

        UploadApiException error = (await upload.Should().ThrowAsync<UploadApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        error.Code.Should().Be("UnsupportedContentType");
        error.Message.Should().Be("video/mp4 is not allowed");
        error.AllowedContentTypes.Should().Equal("image/png", "text/plain");
        Fake.Log.Should().Equal("POST /uploads");
    }

    [Fact]
    public async Task TooLarge_carries_maxBytes()
    {
        Fake.ApiFault = route => route == "POST /uploads"
            ? FakeUploadService.Error(HttpStatusCode.RequestEntityTooLarge, "TooLarge", "over the limit", new JsonObject { ["maxBytes"] = 5368709120L })
            : null;
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client();

        UploadApiException error = (await ((Func<Task>)(() => client.UploadAsync(path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("TooLarge");
        error.MaxBytes.Should().Be(5368709120L);
    }

    [Fact]
    public async Task MissingParts_on_complete_is_reported_with_the_part_numbers_and_the_upload_aborted()
    {
        Fake.ApiFault = route => route == "POST /uploads/{id}/complete"
            ? FakeUploadService.Error(HttpStatusCode.Conflict, "MissingParts", "parts 2 and 3 are missing", new JsonObject { ["missingParts"] = new JsonArray(2, 3) })
            : null;
        Fake.SingleMaxBytes = 100;
        Fake.PartSizeFor = _ => 100;
        string path = _fixture.File(300);
        using UploadClient client = _fixture.Client();

        UploadApiException error = (await ((Func<Task>)(() => client.UploadAsync(path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("MissingParts");
        error.MissingParts.Should().Equal(2, 3);
        Fake.Log.Should().EndWith("DELETE /uploads/{id}");
    }

    [Fact]
    public async Task NotOpen_carries_the_state()
    {
        FakeUploadService.Session session = Fake.StartSession(FakeUploadService.Alice, 10_000_000_000);
        session.State = "aborted";
        Fake.ApiFault = route => route == "POST /uploads/{id}/complete"
            ? FakeUploadService.Error(HttpStatusCode.Conflict, "NotOpen", "the upload is aborted", new JsonObject { ["state"] = "aborted" })
            : null;
        session.State = "completed"; // resume then goes straight to complete
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client(abortOnFailure: false);

        UploadApiException error = (await ((Func<Task>)(() => client.ResumeAsync(session.Id, path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("NotOpen");
        error.State.Should().Be("aborted");
    }

    [Fact]
    public async Task TryAgain_and_throttling_are_retried_with_backoff()
    {
        int calls = 0;
        Fake.ApiFault = route => route == "POST /uploads" && Interlocked.Increment(ref calls) <= 2
            ? (calls == 1
                ? FakeUploadService.Error(HttpStatusCode.ServiceUnavailable, "TryAgain", "try again")
                : new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("{\"message\":\"Too Many Requests\"}") })
            : null;
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        Fake.Count("POST /uploads").Should().Be(3);
        Fake.Sessions[result.UploadId].State.Should().Be("completed");
    }

    [Fact]
    public async Task A_5xx_that_persists_fails_after_the_attempts_with_its_code()
    {
        Fake.ApiFault = route => route == "POST /uploads" ? FakeUploadService.Error(HttpStatusCode.ServiceUnavailable, "TryAgain", "S3 is throttling") : null;
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client(attempts: 3);

        UploadApiException error = (await ((Func<Task>)(() => client.UploadAsync(path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("TryAgain");
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        Fake.Count("POST /uploads").Should().Be(3);
    }

    [Fact]
    public async Task A_4xx_is_not_retried()
    {
        Fake.ApiFault = route => route == "POST /uploads" ? FakeUploadService.Error(HttpStatusCode.BadRequest, "InvalidFileName", "bad name") : null;
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client();

        UploadApiException error = (await ((Func<Task>)(() => client.UploadAsync(path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("InvalidFileName");
        Fake.Count("POST /uploads").Should().Be(1);
    }

    [Fact]
    public async Task A_body_that_is_not_the_error_JSON_maps_to_HttpError_with_the_status()
    {
        Fake.ApiFault = route => route == "GET /uploads/{id}" ? new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") } : null;
        using UploadClient client = _fixture.Client(attempts: 1);

        UploadApiException error = (await ((Func<Task>)(() => client.GetStatusAsync(Fake.StartSession(FakeUploadService.Alice, 1).Id))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("HttpError");
        error.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        error.Message.Should().Contain("502");
    }

    [Fact]
    public async Task Unknown_upload_ids_are_NotFound_and_malformed_ones_never_leave_the_client()
    {
        using UploadClient client = _fixture.Client();

        UploadApiException notFound = (await ((Func<Task>)(() => client.GetStatusAsync(new string('0', 32)))).Should().ThrowAsync<UploadApiException>()).Which;
        notFound.StatusCode.Should().Be(HttpStatusCode.NotFound);
        notFound.Code.Should().Be("NotFound");

        await ((Func<Task>)(() => client.AbortAsync("../../etc"))).Should().ThrowAsync<ArgumentException>();
        await ((Func<Task>)(() => client.GetStatusAsync("ABCDEF0123456789ABCDEF0123456789"))).Should().ThrowAsync<ArgumentException>();
        Fake.Log.Should().ContainSingle();
    }

    [Fact]
    public async Task A_session_with_an_inconsistent_part_layout_is_refused_and_aborted()
    {
        Fake.SingleMaxBytes = 100;
        Fake.PartSizeFor = _ => 100;
        Fake.ApiFault = null;
        string path = _fixture.File(1000);
        var http = new HttpClient(new LayoutBreaker(Fake));
        using var broken = new UploadClient(_fixture.Options(), http, http);

        UploadApiException error = (await ((Func<Task>)(() => broken.UploadAsync(path))).Should().ThrowAsync<UploadApiException>()).Which;

        error.Code.Should().Be("InvalidResponse");
        Fake.Log.Should().EndWith("DELETE /uploads/{id}");
        http.Dispose();
    }

    /// <summary>Rewrites partCount in the session answer so it no longer fits the size.</summary>
    private sealed class LayoutBreaker(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/v1/uploads")
            {
                JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                body["partCount"] = 3;
                response.Content = new StringContent(body.ToJsonString());
            }

            return response;
        }
    }
}
