using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using SkiaSharp;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// FaceBlurPipeline's worker end to end on the emulators: real uploads, the notification S3 would send, the event source
/// mapping with partial batch responses and the redrive policy, the Rekognition stand-in against a fake endpoint that
/// verifies every signature, and the objects that do (or do not) reach the destination.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class FaceBlurPipelineFlowTests(EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output)
    : IClassFixture<FakeRekognition>
{
    private const string ReasonAttribute = "patterns-cdk-reason";

    // A face in the middle of the picture, as Rekognition reports it (ratios), and the same box in pixels.
    private static readonly (double Left, double Top, double Width, double Height) Face = (0.35, 0.30, 0.25, 0.35);
    private static readonly SKRectI FacePixels = SKRectI.Create(112, 72, 80, 84);

    // The face box grown by the blur margin (a quarter of the face on each side), plus 16 px for JPEG blocks.
    private static readonly SKRectI AffectedPixels = SKRectI.Create(112 - 20 - 16, 72 - 21 - 16, 80 + 40 + 32, 84 + 42 + 32);

    [Fact]
    public async Task A_JPEG_with_a_face_is_delivered_blurred_as_image_jpeg_without_EXIF_or_source_metadata()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/team/portrait.jpg", FakeRekognition.Faces(Face));
        byte[] source = SampleImages.JpegWithExif();
        SampleImages.HasExif(source).Should().BeTrue("the upload carries EXIF, as a phone photo does");

        await scenario.UploadAsync("team/portrait.jpg", source, metadata: new Dictionary<string, string> { ["owner"] = "ana", ["gps"] = "48.8584,2.2945" });
        await scenario.DriveAsync();

        (byte[] blurred, string contentType, var metadata) = await scenario.OutputAsync("team/portrait.jpg");
        contentType.Should().Be("image/jpeg");
        metadata.Count.Should().Be(0, "no user metadata is copied from the source");
        SampleImages.HasExif(blurred).Should().BeFalse();
        SampleImages.ContainsMarker(blurred).Should().BeFalse();
        using SKBitmap before = SampleImages.Decode(source);
        using SKBitmap after = SampleImages.Decode(blurred);
        (after.Width, after.Height).Should().Be((before.Width, before.Height));
        SampleImages.Detail(after, FacePixels).Should().BeLessThan(SampleImages.Detail(before, FacePixels) * 0.25, "the face loses its detail");
        double outside = SampleImages.MeanDifference(before, after, (x, y) => !AffectedPixels.Contains(x, y));
        double inside = SampleImages.MeanDifference(before, after, (x, y) => FacePixels.Contains(x, y));
        outside.Should().BeLessThan(8, "away from the face only JPEG re-encoding changes pixels");
        inside.Should().BeGreaterThan(outside * 4);
        (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().BeEmpty();
        DetectFacesCall call = rekognition.CallsFor(scenario.SourceBucket).Should().ContainSingle().Subject;
        call.Problems.Should().BeEmpty();
        (call.Key, call.Version).Should().Be(("uploads/team/portrait.jpg", null));
        scenario.Logs.Should().Contain(l => (string?)l["message"] == "image blurred and delivered" && (long)l["facesBlurred"]! == 1);
    }

    [Fact]
    public async Task A_PNG_with_a_face_changes_around_the_face_only()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/portrait.png", FakeRekognition.Faces(Face));
        byte[] source = SampleImages.PngWithText();

        await scenario.UploadAsync("portrait.png", source, "image/png");
        await scenario.DriveAsync();

        (byte[] blurred, string contentType, _) = await scenario.OutputAsync("portrait.png");
        contentType.Should().Be("image/png");
        SampleImages.ContainsMarker(blurred).Should().BeFalse("the tEXt chunk is dropped");
        using SKBitmap before = SampleImages.Decode(source);
        using SKBitmap after = SampleImages.Decode(blurred);
        SampleImages.MeanDifference(before, after, (x, y) => !AffectedPixels.Contains(x, y)).Should().Be(0, "PNG is lossless: the rest is untouched");
        SampleImages.MeanDifference(before, after, (x, y) => FacePixels.Contains(x, y)).Should().BeGreaterThan(20);
    }

    [Fact]
    public async Task An_image_without_faces_is_delivered_with_the_same_pixels_but_no_metadata()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/landscape.jpg", FakeRekognition.NoFaces);
        byte[] source = SampleImages.JpegWithExif();

        await scenario.UploadAsync("landscape.jpg", source);
        await scenario.DriveAsync();

        (byte[] delivered, string contentType, _) = await scenario.OutputAsync("landscape.jpg");
        contentType.Should().Be("image/jpeg");
        SampleImages.HasExif(delivered).Should().BeFalse();
        SampleImages.ContainsMarker(delivered).Should().BeFalse();
        delivered.Length.Should().BeLessThan(source.Length);
        using SKBitmap before = SampleImages.Decode(source);
        using SKBitmap after = SampleImages.Decode(delivered);
        SampleImages.MeanDifference(before, after, (_, _) => true).Should().Be(0, "only metadata was removed; the image data is copied as is");
    }

    [Fact]
    public async Task Throttled_detection_is_retried_with_backoff_and_the_image_is_delivered()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/busy.jpg", FakeRekognition.FailFirst(2, "ThrottlingException", FakeRekognition.Faces(Face)));

        await scenario.UploadAsync("busy.jpg", SampleImages.JpegWithExif());
        await scenario.DriveAsync();

        (await scenario.DestinationKeysAsync()).Should().Equal("blurred/busy.jpg");
        rekognition.CallsFor(scenario.SourceBucket).Should().HaveCount(3).And.OnlyContain(c => c.Problems.Count == 0);
        scenario.Invocations.Should().ContainSingle("the client's own retries absorb the throttling within one invocation");
        scenario.Logs.Count(l => (string?)l["errorCode"] == "ThrottlingException" && (string?)l["level"] == "WARN").Should().Be(2);
        (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Fact]
    public async Task Persistent_server_errors_write_nothing_and_the_message_ends_in_the_dead_letter_queue()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/unlucky.jpg", FakeRekognition.Always(500, "InternalServerError"));

        string notification = await scenario.UploadAsync("unlucky.jpg", SampleImages.JpegWithExif());
        await scenario.DriveAsync();

        (await scenario.DestinationKeysAsync()).Should().BeEmpty("fail closed: never an unblurred fallback");
        scenario.Invocations.Should().HaveCount(FaceBlurScenario.MaxReceiveCount);
        scenario.Invocations.SkipLast(1).Should().OnlyContain(i => i.Response!.Contains("itemIdentifier", StringComparison.Ordinal), "retried until the last receive");
        scenario.Invocations[^1].Response.Should().NotContain("itemIdentifier", "on the last receive the worker parks it itself");
        rekognition.CallsFor(scenario.SourceBucket).Should().HaveCount(FaceBlurScenario.MaxReceiveCount * 4, "4 attempts per invocation");
        Message dead = (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().ContainSingle("the worker forwarded it on its last receive").Subject;
        dead.Body.Should().Be(notification);
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute).WhoseValue.StringValue.Should().StartWith($"retries exhausted after {FaceBlurScenario.MaxReceiveCount} receives: ");
        (await scenario.DrainAsync(scenario.WorkQueueUrl)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("truncated.jpg", "truncated", 0)]
    [InlineData("corrupt.jpg", "corrupt", 0)]
    [InlineData("bomb.png", "bomb", 0)]
    [InlineData("empty.jpg", "empty", 0)]
    [InlineData("notes.jpg", "text", 0)]
    public async Task Bad_input_goes_to_the_dead_letter_queue_with_its_reason_at_once_and_nothing_is_written(string name, string kind, int detectCalls)
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/" + name, FakeRekognition.Faces(Face));
        (byte[] content, string reason) = kind switch
        {
            "truncated" => (SampleImages.TruncatedJpeg(), "truncated"),
            "corrupt" => (SampleImages.CorruptJpeg(), "JPEG"),
            "bomb" => (SampleImages.PngPixelBomb(), "MAX_PIXELS=40000000"),
            "empty" => ([], "empty"),
            _ => (SampleImages.TextNamedJpg, "not JPEG or PNG"),
        };

        string notification = await scenario.UploadAsync(name, content);
        await scenario.DriveAsync();

        Message dead = (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        dead.Body.Should().Be(notification);
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute).WhoseValue.StringValue.Should().Contain(reason);
        output.WriteLine($"reason: {dead.MessageAttributes[ReasonAttribute].StringValue}");
        scenario.Invocations.Should().ContainSingle("bad input is set aside at once, not retried until maxReceiveCount");
        (await scenario.DestinationKeysAsync()).Should().BeEmpty();
        rekognition.CallsFor(scenario.SourceBucket).Should().HaveCount(detectCalls, "only a file that decodes in full within the limits is sent to Rekognition");
    }

    [Fact]
    public async Task A_PNG_named_jpg_is_processed_as_PNG_and_delivered_as_image_png()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/disguised.jpg", FakeRekognition.Faces(Face));

        await scenario.UploadAsync("disguised.jpg", SampleImages.PngWithText(), "image/jpeg");
        await scenario.DriveAsync();

        (byte[] delivered, string contentType, _) = await scenario.OutputAsync("disguised.jpg");
        contentType.Should().Be("image/png");
        delivered.AsSpan(0, 8).ToArray().Should().Equal(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
        (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_duplicate_delivery_leaves_one_output_with_identical_bytes()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/twice.jpg", FakeRekognition.Faces(Face));

        string notification = await scenario.UploadAsync("twice.jpg", SampleImages.JpegWithExif());
        await scenario.DriveAsync();
        (byte[] first, _, _) = await scenario.OutputAsync("twice.jpg");
        await scenario.SendAsync(notification); // S3's at-least-once delivery
        await scenario.DriveAsync();

        (await scenario.DestinationKeysAsync()).Should().Equal("blurred/twice.jpg");
        (byte[] second, _, _) = await scenario.OutputAsync("twice.jpg");
        second.Should().Equal(first);
        scenario.Invocations.Should().HaveCount(2);
    }

    [Fact]
    public async Task Every_DetectFaces_request_is_SigV4_signed_for_rekognition_with_the_session_token()
    {
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output);
        rekognition.On(scenario.SourceBucket, "uploads/a b+c.jpg", FakeRekognition.Faces(Face));

        await scenario.UploadAsync("a b+c.jpg", SampleImages.JpegWithExif());
        await scenario.DriveAsync();

        DetectFacesCall call = rekognition.CallsFor(scenario.SourceBucket).Should().ContainSingle().Subject;
        call.Problems.Should().BeEmpty();
        call.Key.Should().Be("uploads/a b+c.jpg", "the key is decoded from the notification before it is sent");
        SigV4Credential credential = call.Credential!;
        (credential.AccessKey, credential.Region, credential.Service).Should().Be((FakeRekognition.AccessKey, "us-east-1", "rekognition"));
        credential.SignedHeaders.Should().Contain(["host", "x-amz-date", "x-amz-target", "x-amz-security-token", "x-amz-content-sha256", "content-type"]);
        call.Request.Header("Host").Should().Be(rekognition.Endpoint.Authority);
        JsonNode.Parse(call.Request.Body)!["Attributes"]!.ToJsonString().Should().Be("[\"DEFAULT\"]");
        string logs = string.Join("\n", scenario.Logs.Select(l => l.ToJsonString()));
        logs.Should().NotContain(FakeRekognition.SecretKey).And.NotContain(FakeRekognition.SessionToken).And.NotContain(credential.Signature);
        (await scenario.DestinationKeysAsync()).Should().Equal("blurred/a b+c.jpg");
    }
}
