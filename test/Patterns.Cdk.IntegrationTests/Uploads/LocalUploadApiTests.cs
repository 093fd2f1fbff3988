using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Uploads.Host;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>
/// The local API host: requests signed with AWSSDK.Core's canonicalisation reach the route's function with the
/// caller's identity and the event API Gateway would build; anything else is refused before a function runs.
/// </summary>
public sealed class LocalUploadApiTests : IDisposable
{
    private static readonly ApiCaller Alice = new("AKIAALICE00000000001", "alice-secret", "111122223333", "AROAALICEROLEID00001", "alice");
    private readonly List<(string Function, RestApiProxyRequest Event)> _calls = [];
    private readonly LocalUploadApi _api;
    private readonly HttpClient _http = new();

    public LocalUploadApiTests()
    {
        _api = new LocalUploadApi([Alice], ["image/png", "text/plain"], (function, json) =>
        {
            lock (_calls)
            {
                _calls.Add((function, JsonSerializer.Deserialize<RestApiProxyRequest>(json)!));
            }

            return Task.FromResult("""{"statusCode":201,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}""");
        });
    }

    public void Dispose()
    {
        _api.ServerErrors.Should().BeEmpty();
        _api.Dispose();
        _http.Dispose();
    }

    private HttpRequestMessage Signed(HttpMethod method, string pathAndQuery, byte[] body, string contentType, string accessKey, string secretKey) =>
        ApiSigner.Sign(method, new Uri(_api.Url, pathAndQuery), body, contentType, accessKey, secretKey);

    [Fact]
    public async Task A_signed_request_reaches_its_route_with_the_callers_identity_and_binary_bodies_base64()
    {
        byte[] png = RandomNumberGenerator.GetBytes(300);
        using HttpResponseMessage direct = await _http.SendAsync(Signed(HttpMethod.Put, "v1/files/a%20b.png", png, "image/png", Alice.AccessKey, Alice.SecretKey));
        direct.StatusCode.Should().Be(HttpStatusCode.Created);
        (await direct.Content.ReadAsStringAsync()).Should().Be("""{"ok":true}""");

        byte[] json = Encoding.UTF8.GetBytes("""{"partNumbers":[1,2]}""");
        using HttpResponseMessage parts = await _http.SendAsync(Signed(HttpMethod.Post, "v1/uploads/0123456789abcdef0123456789abcdef/parts", json, "application/json", Alice.AccessKey, Alice.SecretKey));
        parts.StatusCode.Should().Be(HttpStatusCode.Created);

        _calls.Select(c => c.Function).Should().Equal("DirectUpload", "UploadSessions");
        RestApiProxyRequest file = _calls[0].Event;
        file.Resource.Should().Be("/files/{fileName}");
        file.Path.Should().Be("/files/a b.png");
        file.PathParameters.Should().Equal(new Dictionary<string, string> { ["fileName"] = "a b.png" });
        file.IsBase64Encoded.Should().BeTrue();
        Convert.FromBase64String(file.Body!).Should().Equal(png);
        file.RequestContext!.Identity!.User.Should().Be("AROAALICEROLEID00001:alice");
        file.RequestContext.Identity.AccountId.Should().Be("111122223333");
        file.RequestContext.Stage.Should().Be("v1");

        RestApiProxyRequest session = _calls[1].Event;
        session.Resource.Should().Be("/uploads/{id}/parts");
        session.PathParameters!["id"].Should().Be("0123456789abcdef0123456789abcdef");
        session.IsBase64Encoded.Should().BeFalse();
        session.Body.Should().Be("""{"partNumbers":[1,2]}""");
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_unknown_and_oversized_requests_never_reach_a_function()
    {
        byte[] json = Encoding.UTF8.GetBytes("{}");
        using HttpResponseMessage unsigned = await _http.PostAsync(new Uri(_api.InvokeUrl, "uploads"), new ByteArrayContent(json));
        unsigned.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using HttpResponseMessage wrongKey = await _http.SendAsync(Signed(HttpMethod.Post, "v1/uploads", json, "application/json", Alice.AccessKey, "not-alice"));
        wrongKey.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await wrongKey.Content.ReadAsStringAsync()).Should().Contain("signature");

        using HttpResponseMessage stranger = await _http.SendAsync(Signed(HttpMethod.Post, "v1/uploads", json, "application/json", "AKIASTRANGER00000001", "x"));
        stranger.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        HttpRequestMessage tampered = Signed(HttpMethod.Post, "v1/uploads", json, "application/json", Alice.AccessKey, Alice.SecretKey);
        tampered.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"size":1}"""));
        tampered.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using HttpResponseMessage changedBody = await _http.SendAsync(tampered);
        changedBody.StatusCode.Should().Be(HttpStatusCode.Forbidden, "the body hash is part of the signature");

        using HttpResponseMessage unknown = await _http.SendAsync(Signed(HttpMethod.Get, "v1/elsewhere", [], "application/json", Alice.AccessKey, Alice.SecretKey));
        unknown.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("Missing Authentication Token");

        byte[] big = new byte[5 * 1024 * 1024];
        using HttpResponseMessage tooBig = await _http.SendAsync(Signed(HttpMethod.Put, "v1/files/big.png", big, "image/png", Alice.AccessKey, Alice.SecretKey));
        tooBig.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, "5 MiB base64-encoded is over Lambda's 6 MB payload");

        _calls.Should().BeEmpty();
    }
}
