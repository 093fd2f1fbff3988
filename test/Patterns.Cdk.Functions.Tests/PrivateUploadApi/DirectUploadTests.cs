using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;
using static Patterns.Cdk.Functions.Tests.PrivateUploadApi.UploadApiRequests;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

public sealed class DirectUploadTests : IDisposable
{
    private const int Cap = 1024;

    private readonly FakeUploadAws _aws = new();
    private readonly TestLog _log = new();
    private readonly DirectUpload _handler;

    public DirectUploadTests()
    {
        _handler = new DirectUpload(_aws.S3, _aws.DynamoDb, _aws.EventBridge, FakeUploadAws.Settings(directMaxBytes: Cap), _log.Log, new FixedClock(FixedClock.DefaultNow));
    }

    public void Dispose() => _aws.Dispose();

    private static JsonElement Json(RestApiProxyResponse response) => UploadSessionsTests.Json(response);

    [Fact]
    public async Task A_binary_body_is_decoded_stored_under_the_server_key_with_its_SHA256_and_announced()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x10];
        string sha = Convert.ToBase64String(SHA256.HashData(png));

        RestApiProxyResponse response = await _handler.HandleAsync(Direct("logo.png", png, "image/png"));

        response.StatusCode.Should().Be(201, response.Body);
        JsonElement body = Json(response);
        string id = body.GetProperty("uploadId").GetString()!;
        string key = $"uploads/{AliceScope}/{id}/logo.png";
        body.GetProperty("key").GetString().Should().Be(key);
        body.GetProperty("size").GetInt64().Should().Be(png.Length);
        body.GetProperty("contentType").GetString().Should().Be("image/png");
        body.GetProperty("sha256").GetString().Should().Be(sha);
        _aws.Objects[key].Content.Should().Equal(png);
        _aws.Puts.Single().ChecksumSHA256.Should().Be(sha, "S3 checks the bytes against it");
        _aws.Puts.Single().ContentType.Should().Be("image/png");

        var item = _aws.Items[id];
        item["state"].S.Should().Be("completed");
        item["owner"].S.Should().Be(AliceScope);
        item.Should().NotContainKey("ttl");
        item["objectSha256"].S.Should().Be(sha);

        JsonElement detail = JsonDocument.Parse(JsonDocument.Parse(_aws.Events.Requests.Single().Body).RootElement.GetProperty("Entries")[0].GetProperty("Detail").GetString()!).RootElement;
        detail.GetProperty("key").GetString().Should().Be(key);
        detail.GetProperty("sha256").GetString().Should().Be(sha);
        detail.GetProperty("fileName").GetString().Should().Be("logo.png");
    }

    [Fact]
    public async Task A_text_body_is_taken_as_UTF8_and_the_type_parameters_are_dropped()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"name":"Zoë"}""");

        RestApiProxyResponse response = await _handler.HandleAsync(Direct("data.json", json, "application/json; charset=utf-8", base64: false));

        response.StatusCode.Should().Be(201, response.Body);
        Json(response).GetProperty("contentType").GetString().Should().Be("application/json");
        _aws.Objects.Values.Single().Content.Should().Equal(json);
    }

    [Fact]
    public async Task An_empty_body_is_an_empty_file()
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Direct("empty.txt", [], "text/plain"));

        response.StatusCode.Should().Be(201, response.Body);
        Json(response).GetProperty("size").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task The_cap_is_inclusive_and_one_byte_more_is_413_before_anything_is_written()
    {
        (await _handler.HandleAsync(Direct("max.bin.pdf", new byte[Cap], "application/pdf"))).StatusCode.Should().Be(201);

        RestApiProxyResponse over = await _handler.HandleAsync(Direct("over.pdf", new byte[Cap + 1], "application/pdf"));
        over.StatusCode.Should().Be(413);
        Json(over).GetProperty("error").GetString().Should().Be("TooLarge");
        Json(over).GetProperty("maxBytes").GetInt64().Should().Be(Cap);

        RestApiProxyResponse overText = await _handler.HandleAsync(Direct("over.txt", Encoding.UTF8.GetBytes(new string('é', Cap / 2 + 1)), "text/plain", base64: false));
        overText.StatusCode.Should().Be(413, "UTF-8 bytes count, not characters");
        _aws.Puts.Should().ContainSingle();
    }

    [Theory]
    [InlineData("dir/a.png")]
    [InlineData("..")]
    [InlineData("a\u0001.png")]
    [InlineData(" a.png")]
    [InlineData("")]
    public async Task Bad_file_names_in_the_path_are_400(string fileName)
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Direct(fileName, [1], "image/png"));

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidFileName");
        _aws.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_file_name_decoded_from_the_path_is_checked_too()
    {
        RestApiProxyRequest request = Direct("x", [1], "image/png") with { Resource = null, PathParameters = null, Path = "/files/..%2F..%2Fetc" };

        RestApiProxyResponse response = await _handler.HandleAsync(request);

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidFileName");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/html")]
    [InlineData("application/octet-stream")]
    public async Task Types_outside_the_allowlist_are_415_with_the_list(string? type)
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Direct("a.bin", [1], type));

        response.StatusCode.Should().Be(415);
        Json(response).GetProperty("allowed").GetArrayLength().Should().Be(5);
        _aws.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_body_marked_base64_that_is_not_is_400()
    {
        RestApiProxyRequest request = Direct("a.png", [1], "image/png") with { Body = "not base64!" };

        RestApiProxyResponse response = await _handler.HandleAsync(request);

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidRequest");
    }

    [Fact]
    public async Task No_identity_is_403_and_nothing_is_written()
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Direct("a.png", [1], "image/png", identity: new RestApiProxyIdentity()));

        response.StatusCode.Should().Be(403);
        _aws.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task S3_throttling_is_503()
    {
        _aws.Fail("PutObject", FakeUploadAws.S3Error("SlowDown", System.Net.HttpStatusCode.ServiceUnavailable));

        RestApiProxyResponse response = await _handler.HandleAsync(Direct("a.png", [1], "image/png"));

        response.StatusCode.Should().Be(503);
        _aws.Items.Should().BeEmpty();
        _aws.Events.Requests.Should().BeEmpty();
    }
}
