using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;
using static Patterns.Cdk.Functions.Tests.PrivateUploadApi.UploadApiRequests;

// MD5 here is S3's Content-MD5 integrity check, not a security measure.
#pragma warning disable CA5351

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

public sealed class UploadSessionsTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    private readonly FakeUploadAws _aws = new();
    private readonly TestLog _log = new();
    private readonly UploadSessions _handler;

    public UploadSessionsTests()
    {
        _handler = new UploadSessions(_aws.S3, _aws.DynamoDb, FakeUploadAws.Settings(maxUploadBytes: 100 * 1024 * MiB), _log.Log, new FixedClock(FixedClock.DefaultNow));
    }

    public void Dispose() => _aws.Dispose();

    internal static JsonElement Json(RestApiProxyResponse response) => JsonDocument.Parse(response.Body ?? "null").RootElement.Clone();

    internal static string CreateBody(string fileName = "photo.png", string contentType = "image/png", long size = 1234, string? sha256 = null, string? clientToken = null)
    {
        var body = new JsonObject { ["fileName"] = fileName, ["contentType"] = contentType, ["size"] = size };
        if (sha256 is not null)
        {
            body["sha256"] = sha256;
        }

        if (clientToken is not null)
        {
            body["clientToken"] = clientToken;
        }

        return body.ToJsonString();
    }

    private async Task<JsonElement> StartAsync(long size, string fileName = "big.bin.pdf")
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody(fileName, "application/pdf", size)));
        response.StatusCode.Should().Be(201, response.Body);
        return Json(response);
    }

    [Fact]
    public async Task A_small_file_gets_a_presigned_POST_bound_to_the_server_key()
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody()));

        response.StatusCode.Should().Be(201, response.Body);
        response.Headers!["Cache-Control"].Should().Be("no-store");
        JsonElement body = Json(response);
        string id = body.GetProperty("uploadId").GetString()!;
        UploadRules.IsUploadId(id).Should().BeTrue();
        body.GetProperty("mode").GetString().Should().Be("single");
        body.GetProperty("key").GetString().Should().Be($"uploads/{AliceScope}/{id}/photo.png");
        body.GetProperty("expiresAt").GetString().Should().Be("2025-03-15T15:24:26Z", "the session lives SESSION_TTL_SECONDS");
        JsonElement post = body.GetProperty("post");
        post.GetProperty("url").GetString().Should().Contain(FakeUploadAws.Bucket);
        post.GetProperty("expiresAt").GetString().Should().Be("2025-03-14T15:24:26Z", "the form lives URL_EXPIRY_SECONDS");
        post.GetProperty("fields").GetProperty("key").GetString().Should().Be($"uploads/{AliceScope}/{id}/photo.png");
        post.GetProperty("fields").GetProperty("Content-Type").GetString().Should().Be("image/png");
        body.TryGetProperty("partSize", out _).Should().BeFalse();

        _aws.Uploads.Should().BeEmpty("no multipart upload for a single POST");
        var item = _aws.Items[id];
        item["owner"].S.Should().Be(AliceScope);
        item["state"].S.Should().Be("open");
        item["mode"].S.Should().Be("single");
        item["size"].N.Should().Be("1234");
        item["ttl"].N.Should().Be(FixedClock.DefaultNow.AddHours(24).AddMinutes(15).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        item.Should().NotContainKey("s3UploadId");
    }

    [Fact]
    public async Task Zero_bytes_and_exactly_8_MiB_are_single_uploads()
    {
        (await StartAsync(0)).GetProperty("mode").GetString().Should().Be("single");
        (await StartAsync(8 * MiB)).GetProperty("mode").GetString().Should().Be("single");
    }

    [Fact]
    public async Task A_large_file_gets_a_multipart_session_whose_S3_upload_id_stays_on_the_server()
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody("movie.pdf", "application/pdf", 20 * MiB)));

        response.StatusCode.Should().Be(201, response.Body);
        JsonElement body = Json(response);
        body.GetProperty("mode").GetString().Should().Be("multipart");
        body.GetProperty("partSize").GetInt64().Should().Be(8 * MiB);
        body.GetProperty("partCount").GetInt32().Should().Be(3);
        body.TryGetProperty("post", out _).Should().BeFalse();
        string id = body.GetProperty("uploadId").GetString()!;
        MultipartUpload upload = _aws.Uploads.Values.Should().ContainSingle().Subject;
        upload.Key.Should().Be(body.GetProperty("key").GetString());
        upload.ContentType.Should().Be("application/pdf");
        _aws.Items[id]["s3UploadId"].S.Should().Be(_aws.Uploads.Keys.Single());
        response.Body.Should().NotContain(_aws.Uploads.Keys.Single());
    }

    [Fact]
    public async Task A_JSON_body_sent_base64_is_read_the_same()
    {
        RestApiProxyRequest request = Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(CreateBody()))) with { IsBase64Encoded = true };

        (await _handler.HandleAsync(request)).StatusCode.Should().Be(201);
    }

    [Theory]
    [InlineData("{", 400, "InvalidJson")]
    [InlineData("[1,2]", 400, "InvalidJson")]
    [InlineData("\"text\"", 400, "InvalidJson")]
    [InlineData("", 400, "InvalidJson")]
    [InlineData("{}", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png"}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"a.png","size":1}""", 400, "InvalidRequest")]
    [InlineData("""{"contentType":"image/png","size":1}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":null,"contentType":"image/png","size":1}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":7,"contentType":"image/png","size":1}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"a.png","contentType":["image/png"],"size":1}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":"1"}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":1,"sha256":5}""", 400, "InvalidRequest")]
    [InlineData("""{"fileName":"dir/a.png","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"..\\a.png","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"..","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"a\u0000.png","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"a\n.png","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":" a.png","contentType":"image/png","size":1}""", 400, "InvalidFileName")]
    [InlineData("""{"fileName":"a.html","contentType":"text/html","size":1}""", 415, "UnsupportedContentType")]
    [InlineData("""{"fileName":"a.png","contentType":"image/*","size":1}""", 415, "UnsupportedContentType")]
    [InlineData("""{"fileName":"a.png","contentType":"","size":1}""", 415, "UnsupportedContentType")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":-1}""", 400, "InvalidSize")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":1.5}""", 400, "InvalidSize")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":1e30}""", 400, "InvalidSize")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":107374182401}""", 413, "TooLarge")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":1,"sha256":"abc"}""", 400, "InvalidChecksum")]
    [InlineData("""{"fileName":"a.png","contentType":"image/png","size":1,"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}""", 400, "InvalidChecksum")]
    public async Task Bad_input_gets_its_status_and_code_and_leaves_nothing_behind(string body, int status, string code)
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Create(body));

        response.StatusCode.Should().Be(status, response.Body);
        JsonElement error = Json(response);
        error.GetProperty("error").GetString().Should().Be(code);
        error.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        _aws.Items.Should().BeEmpty();
        _aws.Uploads.Should().BeEmpty();
    }

    [Fact]
    public async Task A_refused_type_lists_the_allowed_ones_and_too_large_names_the_limit()
    {
        JsonElement type = Json(await _handler.HandleAsync(Create(CreateBody(contentType: "video/mp4"))));
        type.GetProperty("allowed").EnumerateArray().Select(e => e.GetString()).Should().Contain("image/png").And.HaveCount(5);

        JsonElement large = Json(await _handler.HandleAsync(Create(CreateBody(size: 100 * 1024 * MiB + 1))));
        large.GetProperty("maxBytes").GetInt64().Should().Be(100 * 1024 * MiB);
    }

    [Fact]
    public async Task A_huge_body_is_refused_unparsed()
    {
        string body = $$"""{"fileName":"a.png","contentType":"image/png","size":1,"pad":"{{new string('x', 70 * 1024)}}"}""";

        RestApiProxyResponse response = await _handler.HandleAsync(Create(body));

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidJson");
        Json(response).GetProperty("message").GetString().Should().Contain("64 KiB");
    }

    [Fact]
    public async Task A_request_without_an_IAM_identity_is_forbidden()
    {
        foreach (RestApiProxyIdentity? identity in new RestApiProxyIdentity?[] { null, new() { AccountId = Account }, new() { AccountId = Account, User = "AROA/../x:s" } })
        {
            RestApiProxyRequest request = Create(CreateBody()) with { RequestContext = new RestApiProxyRequestContext { Identity = identity } };
            RestApiProxyResponse response = await _handler.HandleAsync(request);
            response.StatusCode.Should().Be(403);
            Json(response).GetProperty("error").GetString().Should().Be("Forbidden");
        }

        _aws.Items.Should().BeEmpty();
    }

    [Theory]
    [InlineData("GET", "/uploads", "/uploads")]
    [InlineData("PUT", "/uploads/{id}", "/uploads/0123456789abcdef0123456789abcdef")]
    [InlineData("POST", "/uploads/{id}/complete", "/uploads/0123456789abcdef0123456789abcdef/complete")]
    [InlineData("PUT", "/files/{fileName}", "/files/a.png")]
    [InlineData("GET", null, "/other")]
    public async Task Routes_this_function_does_not_serve_are_404(string method, string? resource, string path)
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Request(method, resource!, path, null, null, Identity()));

        response.StatusCode.Should().Be(404);
        Json(response).GetProperty("error").GetString().Should().Be("NotFound");
    }

    [Fact]
    public async Task Routes_match_on_the_path_when_there_is_no_resource_template()
    {
        JsonElement started = await StartAsync(20 * MiB);
        string id = started.GetProperty("uploadId").GetString()!;

        RestApiProxyResponse response = await _handler.HandleAsync(Request("GET", null!, $"/uploads/{id}", null, null, Identity()));

        response.StatusCode.Should().Be(200, response.Body);
    }

    [Fact]
    public async Task Part_URLs_are_minted_on_demand_for_the_requested_parts()
    {
        JsonElement started = await StartAsync(20 * MiB);
        string id = started.GetProperty("uploadId").GetString()!;

        RestApiProxyResponse response = await _handler.HandleAsync(Parts(id, """{"partNumbers":[3,1]}"""));

        response.StatusCode.Should().Be(200, response.Body);
        JsonElement body = Json(response);
        body.GetProperty("uploadId").GetString().Should().Be(id);
        var parts = body.GetProperty("parts").EnumerateArray().ToList();
        parts.Select(p => p.GetProperty("partNumber").GetInt32()).Should().Equal(3, 1);
        parts.Should().OnlyContain(p => p.GetProperty("expiresAt").GetString() == "2025-03-14T15:24:26Z");
        var query = HttpUtility.ParseQueryString(new Uri(parts[0].GetProperty("url").GetString()!).Query);
        query["uploadId"].Should().Be(_aws.Uploads.Keys.Single(), "S3's id goes only into the signed URL");
        query["partNumber"].Should().Be("3");
        query["X-Amz-SignedHeaders"].Should().Be("host");
        parts[0].TryGetProperty("contentMd5", out _).Should().BeFalse();
        _log.Text.Should().NotContain("X-Amz-Signature").And.NotContain(_aws.Uploads.Keys.Single(), "URLs and S3's id are never logged");
    }

    [Fact]
    public async Task Part_URLs_sign_the_Content_MD5_the_client_declares()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;
        string md5a = Convert.ToBase64String(MD5.HashData("a"u8));
        string md5b = Convert.ToBase64String(MD5.HashData("b"u8));

        RestApiProxyResponse response = await _handler.HandleAsync(Parts(id, $$"""{"partNumbers":[1,2],"contentMd5":["{{md5a}}","{{md5b}}"]}"""));

        response.StatusCode.Should().Be(200, response.Body);
        var parts = Json(response).GetProperty("parts").EnumerateArray().ToList();
        parts[0].GetProperty("contentMd5").GetString().Should().Be(md5a);
        parts[1].GetProperty("contentMd5").GetString().Should().Be(md5b);
        HttpUtility.ParseQueryString(new Uri(parts[0].GetProperty("url").GetString()!).Query)["X-Amz-SignedHeaders"].Should().Be("content-md5;host");
    }

    [Theory]
    [InlineData("""{"partNumbers":[4]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":[0]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":[-1]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":[1.5]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":["1"]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":[]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":[99999999999999]}""", 400, "InvalidPartNumber")]
    [InlineData("""{"partNumbers":1}""", 400, "InvalidRequest")]
    [InlineData("""{}""", 400, "InvalidRequest")]
    [InlineData("""{"partNumbers":[1],"contentMd5":["x"]}""", 400, "InvalidChecksum")]
    [InlineData("""{"partNumbers":[1,2],"contentMd5":["DMF1ucDxtqgxw5niaXcmYQ=="]}""", 400, "InvalidChecksum")]
    [InlineData("""{"partNumbers":[1],"contentMd5":"DMF1ucDxtqgxw5niaXcmYQ=="}""", 400, "InvalidChecksum")]
    [InlineData("""not json""", 400, "InvalidJson")]
    public async Task Bad_part_requests_get_their_status_and_code(string body, int status, string code)
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;

        RestApiProxyResponse response = await _handler.HandleAsync(Parts(id, body));

        response.StatusCode.Should().Be(status, response.Body);
        Json(response).GetProperty("error").GetString().Should().Be(code);
        _aws.PresignCalls.Should().Be(0);
    }

    [Fact]
    public async Task More_than_1000_part_numbers_in_one_call_are_refused_and_1000_are_minted()
    {
        string id = (await StartAsync(10_000 * 8 * MiB)).GetProperty("uploadId").GetString()!;
        string Numbers(int from, int count) => "{\"partNumbers\":[" + string.Join(",", Enumerable.Range(from, count)) + "]}";

        RestApiProxyResponse tooMany = await _handler.HandleAsync(Parts(id, Numbers(1, 1001)));
        tooMany.StatusCode.Should().Be(400);
        Json(tooMany).GetProperty("error").GetString().Should().Be("InvalidPartNumber");

        RestApiProxyResponse last = await _handler.HandleAsync(Parts(id, Numbers(9001, 1000)));
        last.StatusCode.Should().Be(200);
        Json(last).GetProperty("parts").GetArrayLength().Should().Be(1000);
        _aws.PresignCalls.Should().Be(1000);
    }

    [Fact]
    public async Task Another_callers_upload_is_forbidden_on_every_route_with_nothing_revealed()
    {
        JsonElement started = await StartAsync(20 * MiB);
        string id = started.GetProperty("uploadId").GetString()!;
        RestApiProxyIdentity bob = Identity(Bob);

        foreach (RestApiProxyRequest request in new[] { Parts(id, """{"partNumbers":[99]}""", bob), Get(id, bob), Delete(id, bob) })
        {
            RestApiProxyResponse response = await _handler.HandleAsync(request);
            response.StatusCode.Should().Be(403, request.HttpMethod);
            response.Body.Should().Be("""{"error":"Forbidden","message":"you are not allowed to use this upload"}""");
        }

        _aws.PresignCalls.Should().Be(0);
        _aws.Aborts.Should().BeEmpty();
        _aws.Items[id]["state"].S.Should().Be("open");
    }

    [Fact]
    public async Task The_same_role_in_another_session_is_the_same_caller()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;

        (await _handler.HandleAsync(Get(id, Identity(Alice, "a-later-session")))).StatusCode.Should().Be(200);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-an-id")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public async Task Unknown_or_malformed_ids_are_not_found(string id)
    {
        foreach (RestApiProxyRequest request in new[] { Parts(id, """{"partNumbers":[1]}"""), Get(id), Delete(id) })
        {
            RestApiProxyResponse response = await _handler.HandleAsync(request);
            response.StatusCode.Should().Be(404);
            Json(response).GetProperty("error").GetString().Should().Be("NotFound");
        }
    }

    [Fact]
    public async Task A_single_upload_has_no_part_URLs()
    {
        string id = (await StartAsync(100)).GetProperty("uploadId").GetString()!;

        RestApiProxyResponse response = await _handler.HandleAsync(Parts(id, """{"partNumbers":[1]}"""));

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidPartNumber");
    }

    [Fact]
    public async Task GET_reports_the_state_and_every_part_S3_holds_ascending_across_pages()
    {
        JsonElement started = await StartAsync(40 * MiB);
        string id = started.GetProperty("uploadId").GetString()!;
        string s3Id = _aws.Uploads.Keys.Single();
        foreach (int n in new[] { 5, 1, 3, 2 })
        {
            _aws.AddPart(s3Id, n, n == 5 ? 8 * MiB : 8 * MiB);
        }

        _aws.ListPageSize = 2;
        _aws.ListOrder = numbers => numbers.OrderByDescending(n => n);

        RestApiProxyResponse response = await _handler.HandleAsync(Get(id));

        response.StatusCode.Should().Be(200, response.Body);
        JsonElement body = Json(response);
        body.GetProperty("state").GetString().Should().Be("open");
        body.GetProperty("mode").GetString().Should().Be("multipart");
        body.GetProperty("fileName").GetString().Should().Be("big.bin.pdf");
        body.GetProperty("contentType").GetString().Should().Be("application/pdf");
        body.GetProperty("size").GetInt64().Should().Be(40 * MiB);
        body.GetProperty("partSize").GetInt64().Should().Be(8 * MiB);
        body.GetProperty("partCount").GetInt32().Should().Be(5);
        body.GetProperty("createdAt").GetString().Should().Be("2025-03-14T15:09:26Z");
        body.GetProperty("key").GetString().Should().Be(started.GetProperty("key").GetString());
        body.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("partNumber").GetInt32()).Should().Equal(1, 2, 3, 5);
        body.GetProperty("parts")[0].GetProperty("etag").GetString().Should().Be($"\"etag-1-{8 * MiB}\"");
        _aws.ListPartsCalls.Should().Be(2, "two pages of two parts");
        response.Body.Should().NotContain(s3Id);
    }

    [Fact]
    public async Task GET_of_a_single_upload_lists_no_parts()
    {
        string id = (await StartAsync(10)).GetProperty("uploadId").GetString()!;

        JsonElement body = Json(await _handler.HandleAsync(Get(id)));

        body.GetProperty("parts").GetArrayLength().Should().Be(0);
        body.GetProperty("partCount").GetInt32().Should().Be(1);
        _aws.ListPartsCalls.Should().Be(0);
    }

    private const string Token = "5f0c7a1e9b2d4c36a8e1f0b7c2d9e4a1";

    [Fact]
    public async Task A_start_repeated_with_its_client_token_gets_the_same_session_and_one_S3_upload()
    {
        RestApiProxyResponse first = await _handler.HandleAsync(Create(CreateBody("film.pdf", "application/pdf", 20 * MiB, clientToken: Token)));
        RestApiProxyResponse again = await _handler.HandleAsync(Create(CreateBody("film.pdf", "application/pdf", 20 * MiB, clientToken: Token)));

        first.StatusCode.Should().Be(201, first.Body);
        again.StatusCode.Should().Be(201, again.Body);
        string id = Json(first).GetProperty("uploadId").GetString()!;
        Json(again).GetProperty("uploadId").GetString().Should().Be(id);
        Json(again).GetProperty("key").GetString().Should().Be(Json(first).GetProperty("key").GetString());
        Json(again).GetProperty("partCount").GetInt32().Should().Be(Json(first).GetProperty("partCount").GetInt32());
        _aws.Items.Should().ContainSingle();
        _aws.Uploads.Should().ContainSingle("the repeat found the session before starting anything in S3");
    }

    [Fact]
    public async Task A_single_upload_started_again_with_its_token_gets_the_same_key_and_a_fresh_form()
    {
        RestApiProxyResponse first = await _handler.HandleAsync(Create(CreateBody(clientToken: Token)));
        RestApiProxyResponse again = await _handler.HandleAsync(Create(CreateBody(clientToken: Token)));

        again.StatusCode.Should().Be(201, again.Body);
        Json(again).GetProperty("uploadId").GetString().Should().Be(Json(first).GetProperty("uploadId").GetString());
        Json(again).GetProperty("post").GetProperty("fields").GetProperty("key").GetString().Should().Be(Json(first).GetProperty("key").GetString());
        _aws.Items.Should().ContainSingle();
    }

    [Fact]
    public async Task A_client_token_reused_for_another_file_is_a_conflict_and_starts_nothing()
    {
        (await _handler.HandleAsync(Create(CreateBody("film.pdf", "application/pdf", 20 * MiB, clientToken: Token)))).StatusCode.Should().Be(201);

        RestApiProxyResponse other = await _handler.HandleAsync(Create(CreateBody("film.pdf", "application/pdf", 21 * MiB, clientToken: Token)));

        other.StatusCode.Should().Be(409);
        Json(other).GetProperty("error").GetString().Should().Be("ClientTokenReused");
        _aws.Items.Should().ContainSingle();
        _aws.Uploads.Should().ContainSingle();
    }

    [Fact]
    public async Task Two_callers_with_the_same_client_token_get_two_uploads()
    {
        RestApiProxyResponse alice = await _handler.HandleAsync(Create(CreateBody(clientToken: Token)));
        RestApiProxyResponse bob = await _handler.HandleAsync(Create(CreateBody(clientToken: Token), Identity(Bob)));

        bob.StatusCode.Should().Be(201, bob.Body);
        Json(bob).GetProperty("uploadId").GetString().Should().NotBe(Json(alice).GetProperty("uploadId").GetString());
        _aws.Items.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has spaces in it, more than 16")]
    [InlineData("{5f0c7a1e-9b2d-4c36-a8e1-f0b7c2d9e4a1}")]
    public async Task A_malformed_client_token_is_refused(string token)
    {
        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody(clientToken: token)));

        response.StatusCode.Should().Be(400);
        Json(response).GetProperty("error").GetString().Should().Be("InvalidRequest");
        Json(response).GetProperty("message").GetString().Should().Contain("clientToken");
        _aws.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task When_the_same_start_stores_its_session_first_this_one_aborts_its_S3_upload_and_answers_with_that_session()
    {
        string? twinS3Id = null;
        _aws.BeforePutItem = request =>
        {
            _aws.BeforePutItem = null;
            twinS3Id = "twin-" + request.Item["s3UploadId"].S;
            _aws.Items[request.Item["pk"].S] = new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>(request.Item)
            {
                ["s3UploadId"] = new() { S = twinS3Id },
            };
        };

        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody("film.pdf", "application/pdf", 20 * MiB, clientToken: Token)));

        response.StatusCode.Should().Be(201, response.Body);
        string id = Json(response).GetProperty("uploadId").GetString()!;
        _aws.Items[id]["s3UploadId"].S.Should().Be(twinS3Id, "the session that was stored first stands");
        _aws.Aborts.Should().ContainSingle("this start's own S3 upload is not needed").Which.UploadId.Should().NotBe(twinS3Id);
    }

    [Fact]
    public async Task DELETE_aborts_and_is_idempotent()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;

        (await _handler.HandleAsync(Delete(id))).StatusCode.Should().Be(204);
        (await _handler.HandleAsync(Delete(id))).StatusCode.Should().Be(204);

        _aws.Aborts.Should().HaveCount(2, "a repeated DELETE repeats S3's abort, which finds nothing the second time");
        _aws.Uploads.Should().BeEmpty();
        _aws.Items[id]["state"].S.Should().Be("aborted");
        _aws.Items[id].Should().NotContainKey("ttl", "an aborted upload is not abandoned: TTL counts only those");

        RestApiProxyResponse parts = await _handler.HandleAsync(Parts(id, """{"partNumbers":[1]}"""));
        parts.StatusCode.Should().Be(409);
        Json(parts).GetProperty("error").GetString().Should().Be("NotOpen");
        Json(parts).GetProperty("state").GetString().Should().Be("aborted");
    }

    [Fact]
    public async Task DELETE_tolerates_an_upload_S3_already_dropped()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;
        _aws.Uploads.Clear(); // the lifecycle rule aborted it

        (await _handler.HandleAsync(Delete(id))).StatusCode.Should().Be(204);
        _aws.Items[id]["state"].S.Should().Be("aborted");
    }

    [Fact]
    public async Task DELETE_whose_S3_abort_failed_is_finished_by_the_retry()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;
        _aws.Fail("AbortMultipartUpload", FakeUploadAws.S3Error("InternalError", HttpStatusCode.InternalServerError));

        (await _handler.HandleAsync(Delete(id))).StatusCode.Should().Be(503);
        _aws.Items[id]["state"].S.Should().Be("aborted", "the session is marked before S3 is asked");
        _aws.Uploads.Should().NotBeEmpty();

        (await _handler.HandleAsync(Delete(id))).StatusCode.Should().Be(204);
        _aws.Uploads.Should().BeEmpty("the retry aborted the S3 upload");
    }

    [Fact]
    public async Task DELETE_during_a_completion_is_a_conflict_and_leaves_the_parts_alone()
    {
        string id = (await StartAsync(20 * MiB)).GetProperty("uploadId").GetString()!;
        _aws.Items[id]["state"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = "completing" };

        RestApiProxyResponse response = await _handler.HandleAsync(Delete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("error").GetString().Should().Be("Completing");
        Json(response).GetProperty("state").GetString().Should().Be("completing");
        _aws.Aborts.Should().BeEmpty();
        _aws.Uploads.Should().NotBeEmpty();
        _aws.Items[id]["state"].S.Should().Be("completing");
    }

    [Fact]
    public async Task DELETE_of_a_completed_upload_is_a_conflict()
    {
        string id = (await StartAsync(10)).GetProperty("uploadId").GetString()!;
        _aws.Items[id]["state"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = "completed" };

        RestApiProxyResponse response = await _handler.HandleAsync(Delete(id));

        response.StatusCode.Should().Be(409);
        Json(response).GetProperty("state").GetString().Should().Be("completed");
    }

    [Fact]
    public async Task Throttling_is_503_TryAgain_and_a_session_that_could_not_be_stored_leaves_no_multipart_upload()
    {
        _aws.Fail("PutItem", FakeUploadAws.Throttled());

        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody("x.pdf", "application/pdf", 20 * MiB)));

        response.StatusCode.Should().Be(503);
        Json(response).GetProperty("error").GetString().Should().Be("TryAgain");
        _aws.Uploads.Should().BeEmpty("the multipart upload was aborted");
        _aws.Aborts.Should().ContainSingle();
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("transient");
    }

    [Theory]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, 503)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, 503)]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, 500)]
    public async Task S3_errors_are_503_when_a_retry_can_help_and_500_otherwise(string code, HttpStatusCode status, int expected)
    {
        _aws.Fail("CreateMultipartUpload", FakeUploadAws.S3Error(code, status));

        RestApiProxyResponse response = await _handler.HandleAsync(Create(CreateBody("x.pdf", "application/pdf", 20 * MiB)));

        response.StatusCode.Should().Be(expected);
        _aws.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Each_request_leaves_one_log_line_without_file_names_or_signatures()
    {
        await _handler.HandleAsync(Create(CreateBody("secret-plan.png")));
        await _handler.HandleAsync(Create(CreateBody("dir/x.png")));

        _log.Lines.Should().HaveCount(2);
        JsonElement first = _log.Lines[0];
        first.GetProperty("status").GetInt32().Should().Be(201);
        first.GetProperty("owner").GetString().Should().Be(AliceScope);
        first.GetProperty("mode").GetString().Should().Be("single");
        _log.Lines[1].GetProperty("error").GetString().Should().Be("InvalidFileName");
        _log.Text.Should().NotContain("secret-plan").And.NotContain("Signature").And.NotContain("Policy");
    }

    [Fact]
    public async Task The_Lambda_entry_point_reads_and_writes_proxy_JSON()
    {
        string eventJson = JsonSerializer.Serialize(Create(CreateBody()), LambdaEventsJsonContext.Default.RestApiProxyRequest);

        Stream output = await _handler.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(eventJson)));

        using JsonDocument response = await JsonDocument.ParseAsync(output);
        response.RootElement.GetProperty("statusCode").GetInt32().Should().Be(201);
        JsonDocument.Parse(response.RootElement.GetProperty("body").GetString()!).RootElement.GetProperty("mode").GetString().Should().Be("single");
    }
}
