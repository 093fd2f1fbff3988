using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.IntegrationTests.Uploads.Host;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>
/// The three bundled handlers behind the local API, driven with plain signed HTTP calls (the flow the client
/// automates): single-part POST form, multipart with presigned part URLs, ownership, and the Upload.Completed event.
/// </summary>
[Collection(UsesEmulators.Name)]
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Content-MD5 is MD5 by protocol.")]
public sealed class ServerFlowTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private static readonly HttpClient _http = new();
    private LocalUploadDeployment _stack = null!;

    public async Task InitializeAsync() => _stack = await LocalUploadDeployment.StartAsync(emulators);

    public async Task DisposeAsync()
    {
        _stack.Api.FunctionErrors.Should().BeEmpty(_stack.Log);
        _stack.Api.ServerErrors.Should().BeEmpty();
        _stack.Front.ServerErrors.Should().BeEmpty();
        await _stack.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> CallAsync(ApiCaller caller, HttpMethod method, string path, string? json = null)
    {
        using HttpRequestMessage request = ApiSigner.Sign(method, new Uri(_stack.Api.InvokeUrl, path), json is null ? [] : Encoding.UTF8.GetBytes(json),
            json is null ? null : "application/json", caller.AccessKey, caller.SecretKey);
        using HttpResponseMessage response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<byte[]> DownloadAsync(string key)
    {
        using GetObjectResponse stored = await emulators.S3.GetObjectAsync(_stack.Bucket, key);
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_single_part_upload_goes_through_the_POST_form_and_completes_with_an_event()
    {
        byte[] file = RandomNumberGenerator.GetBytes(1000);
        string sha = Convert.ToBase64String(SHA256.HashData(file));
        (HttpStatusCode status, JsonNode? session) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, "uploads",
            $$"""{"fileName":"report 1.pdf","contentType":"application/pdf","size":{{file.Length}},"sha256":"{{sha}}"}""");
        status.Should().Be(HttpStatusCode.Created, session?.ToJsonString());
        session!["mode"]!.GetValue<string>().Should().Be("single");
        string id = session["uploadId"]!.GetValue<string>();
        string key = session["key"]!.GetValue<string>();
        key.Should().Be($"uploads/{LocalUploadDeployment.Alice.Scope}/{id}/report 1.pdf");

        (await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/complete")).Status.Should().Be(HttpStatusCode.Conflict, "nothing was uploaded yet");

        using var form = new MultipartFormDataContent();
        foreach ((string name, JsonNode? value) in session["post"]!["fields"]!.AsObject())
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        form.Add(new ByteArrayContent(file), "file", "report 1.pdf");
        using HttpResponseMessage posted = await _http.PostAsync(session["post"]!["url"]!.GetValue<string>(), form);
        posted.StatusCode.Should().Be(HttpStatusCode.NoContent, await posted.Content.ReadAsStringAsync());

        (HttpStatusCode done, JsonNode? result) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/complete");
        done.Should().Be(HttpStatusCode.OK, result?.ToJsonString() + _stack.Log + string.Join("\n", _stack.Front.Log));
        result!["size"]!.GetValue<long>().Should().Be(file.Length);
        SHA256.HashData(await DownloadAsync(key)).Should().Equal(SHA256.HashData(file));

        JsonObject evt = _stack.Events.Of("Upload.Completed").Should().ContainSingle().Subject;
        evt["Source"]!.GetValue<string>().Should().Be("patterns-cdk.uploads");
        JsonNode detail = JsonNode.Parse(evt["Detail"]!.GetValue<string>())!;
        detail["key"]!.GetValue<string>().Should().Be(key);
        detail["size"]!.GetValue<long>().Should().Be(file.Length);
        detail["owner"]!.GetValue<string>().Should().Be(LocalUploadDeployment.Alice.Scope);
    }

    [Fact]
    public async Task A_multipart_upload_completes_from_the_parts_the_server_lists_and_only_its_owner_may_touch_it()
    {
        int partSize = 8 * 1024 * 1024;
        byte[] file = RandomNumberGenerator.GetBytes((2 * partSize) + 12345);
        (HttpStatusCode status, JsonNode? session) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, "uploads",
            $$"""{"fileName":"data.zip","contentType":"application/zip","size":{{file.Length}}}""");
        status.Should().Be(HttpStatusCode.Created, session?.ToJsonString());
        session!["mode"]!.GetValue<string>().Should().Be("multipart");
        session["partSize"]!.GetValue<long>().Should().Be(partSize);
        session["partCount"]!.GetValue<int>().Should().Be(3);
        string id = session["uploadId"]!.GetValue<string>();

        (await CallAsync(LocalUploadDeployment.Bob, HttpMethod.Get, $"uploads/{id}")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await CallAsync(LocalUploadDeployment.Bob, HttpMethod.Post, $"uploads/{id}/parts", """{"partNumbers":[1]}""")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await CallAsync(LocalUploadDeployment.Bob, HttpMethod.Delete, $"uploads/{id}")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await CallAsync(LocalUploadDeployment.Bob, HttpMethod.Post, $"uploads/{id}/complete")).Status.Should().Be(HttpStatusCode.Forbidden);

        byte[][] parts = [file[..partSize], file[partSize..(2 * partSize)], file[(2 * partSize)..]];
        string md5s = string.Join(',', parts.Select(p => $"\"{Convert.ToBase64String(MD5.HashData(p))}\""));
        (HttpStatusCode minted, JsonNode? urls) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/parts", $$"""{"partNumbers":[3,1,2],"contentMd5":[{{md5s.Split(',')[2]}},{{md5s.Split(',')[0]}},{{md5s.Split(',')[1]}}]}""");
        minted.Should().Be(HttpStatusCode.OK, urls?.ToJsonString());
        int sent = 0;
        foreach (JsonNode? part in urls!["parts"]!.AsArray())
        {
            int n = part!["partNumber"]!.GetValue<int>();
            using var put = new HttpRequestMessage(HttpMethod.Put, part["url"]!.GetValue<string>()) { Content = new ByteArrayContent(parts[n - 1]) };
            put.Content.Headers.TryAddWithoutValidation("Content-MD5", Convert.ToBase64String(MD5.HashData(parts[n - 1])));
            using HttpResponseMessage response = await _http.SendAsync(put);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            if (++sent == 1)
            {
                (HttpStatusCode early, JsonNode? refused) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/complete");
                early.Should().Be(HttpStatusCode.Conflict);
                refused!["error"]!.GetValue<string>().Should().Be("MissingParts");
            }
        }

        (HttpStatusCode got, JsonNode? state) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Get, $"uploads/{id}");
        got.Should().Be(HttpStatusCode.OK);
        state!["parts"]!.AsArray().Select(p => p!["size"]!.GetValue<long>()).Should().Equal(partSize, partSize, 12345);

        (HttpStatusCode done, JsonNode? result) = await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/complete");
        done.Should().Be(HttpStatusCode.OK, result?.ToJsonString() + _stack.Log + string.Join("\n", _stack.Front.Log));
        string key = result!["key"]!.GetValue<string>();
        SHA256.HashData(await DownloadAsync(key)).Should().Equal(SHA256.HashData(file));
        (await CallAsync(LocalUploadDeployment.Alice, HttpMethod.Post, $"uploads/{id}/complete")).Status.Should().Be(HttpStatusCode.OK, "completing again is idempotent");
        _stack.Events.Of("Upload.Completed").Should().ContainSingle();
        _stack.Front.OpenUploads.Should().BeEmpty();
    }

    [Fact]
    public async Task A_direct_upload_stores_the_binary_body_under_the_server_key_and_refuses_one_over_its_cap()
    {
        byte[] png = RandomNumberGenerator.GetBytes(300_000);
        using HttpRequestMessage put = ApiSigner.Sign(HttpMethod.Put, new Uri(_stack.Api.InvokeUrl, "files/photo%201.png"), png, "image/png",
            LocalUploadDeployment.Alice.AccessKey, LocalUploadDeployment.Alice.SecretKey);
        using HttpResponseMessage response = await _http.SendAsync(put);
        string text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, text + _stack.Log);
        JsonNode result = JsonNode.Parse(text)!;
        string key = result["key"]!.GetValue<string>();
        key.Should().EndWith("/photo 1.png").And.StartWith($"uploads/{LocalUploadDeployment.Alice.Scope}/");
        (await DownloadAsync(key)).Should().Equal(png, "the body went through base64 and back unchanged");
        _stack.Events.Of("Upload.Completed").Should().ContainSingle();

        byte[] big = new byte[(4 * 1024 * 1024) + 1];
        using HttpRequestMessage tooBig = ApiSigner.Sign(HttpMethod.Put, new Uri(_stack.Api.InvokeUrl, "files/big.txt"), big, "text/plain",
            LocalUploadDeployment.Alice.AccessKey, LocalUploadDeployment.Alice.SecretKey);
        using HttpResponseMessage refused = await _http.SendAsync(tooBig);
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await _stack.KeysAsync()).Should().ContainSingle("nothing of the refused body is stored");
    }
}
