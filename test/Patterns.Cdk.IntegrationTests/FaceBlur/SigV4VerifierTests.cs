namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// The fake Rekognition endpoint's SigV4 verifier, proven against vectors of AWS's published Signature Version 4 test
/// suite (credentials <c>AKIDEXAMPLE</c>, 2015-08-30T12:36:00Z, us-east-1, service <c>service</c>). No emulator needed.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";
    private const string Scope = "20150830/us-east-1/service/aws4_request";

    [Theory]
    [InlineData("GET", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")] // get-vanilla
    [InlineData("POST", "", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")] // post-vanilla
    [InlineData("POST", "application/x-www-form-urlencoded", "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")] // post-x-www-form-urlencoded
    public void It_reproduces_the_published_signatures_and_accepts_the_published_requests(string method, string contentType, string body, string signedHeaders, string signature)
    {
        ReceivedRequest request = Vector(method, contentType, body, signedHeaders, signature);

        SigV4Verifier.Verify(request, "service", Secrets).Should().BeEmpty();
        var headers = signedHeaders.Split(';').Select(h => (h, request.Header(h)!)).ToList();
        SigV4Verifier.Signature(Secret, method, "/", "", headers, SigV4Verifier.Hex(System.Security.Cryptography.SHA256.HashData(request.Body)), Date, Scope)
            .Should().Be(signature);
    }

    [Fact]
    public void The_published_canonical_request_is_reproduced()
    {
        string canonical = SigV4Verifier.CanonicalRequest(
            "POST", "/", "", [("content-type", "application/x-www-form-urlencoded"), ("host", "example.amazonaws.com"), ("x-amz-date", Date)],
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");

        canonical.Should().Be("POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    }

    [Fact]
    public void Tampering_with_a_signed_part_is_detected()
    {
        ReceivedRequest original = Vector("POST", "application/x-www-form-urlencoded", "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");

        SigV4Verifier.Verify(original with { Body = "Param1=value2"u8.ToArray() }, "service", Secrets).Should().Contain("the signature does not match the request");
        SigV4Verifier.Verify(original with { Method = "PUT" }, "service", Secrets).Should().Contain("the signature does not match the request");
        SigV4Verifier.Verify(original, "rekognition", Secrets).Should().Contain(p => p.Contains("service 'service'", StringComparison.Ordinal));
        SigV4Verifier.Verify(original, "service", _ => "wrong-secret").Should().Contain("the signature does not match the request");
        SigV4Verifier.Verify(original, "service", Secrets, "x-amz-target").Should().Contain(p => p.Contains("'x-amz-target' is not among the signed headers", StringComparison.Ordinal));
    }

    private static string? Secrets(string accessKey) => accessKey == AccessKey ? Secret : null;

    private static ReceivedRequest Vector(string method, string contentType, string body, string signedHeaders, string signature)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = Date,
            ["Authorization"] = $"AWS4-HMAC-SHA256 Credential={AccessKey}/{Scope}, SignedHeaders={signedHeaders}, Signature={signature}",
        };
        if (contentType.Length > 0)
        {
            headers["Content-Type"] = contentType;
        }

        return new ReceivedRequest(method, "/", "", headers, System.Text.Encoding.UTF8.GetBytes(body));
    }
}
