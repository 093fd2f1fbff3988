using System.Text.Json;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.FaceBlurPipeline;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Worker;

public class FaceBlurWorkerTests
{
    private const string Source = "uploads-bucket";
    private const string Destination = "blurred-bucket";
    private const string NoFailures = """{"batchItemFailures":[]}""";
    private static readonly FaceBox Face = new(0.25, 0.2, 0.4, 0.6);

    private readonly IAmazonS3 _s3 = Substitute.For<IAmazonS3>();
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly IFaceDetector _detector = Substitute.For<IFaceDetector>();
    private readonly TestLog _log = new();
    private readonly List<SendMessageRequest> _deadLetters = [];
    private readonly FakeBucket _bucket;

    private FaceBlurSettings _settings = new()
    {
        SourceBucket = Source,
        InputPrefix = "uploads/",
        DestinationBucket = Destination,
        DestinationPrefix = "blurred/",
        DeadLetterQueueUrl = Samples.DeadLetterQueueUrl,
    };

    public FaceBlurWorkerTests()
    {
        _bucket = new FakeBucket(_s3);
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(_deadLetters.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns([Face]);
    }

    [Fact]
    public async Task A_JPEG_with_a_face_is_blurred_and_written_to_the_destination_as_image_jpeg_without_source_metadata()
    {
        byte[] jpeg = TestImages.Jpeg();
        _bucket.Store(Source, "uploads/team/photo.jpg", jpeg, versionId: "v1", metadata: new Dictionary<string, string> { ["x-amz-meta-gps"] = "48.85,2.35", ["x-amz-meta-owner"] = "ana" });

        string response = await Handle(Message("m1", "uploads/team/photo.jpg", versionId: "v1", size: jpeg.Length));

        response.Should().Be(NoFailures);
        Put put = _bucket.Puts.Should().ContainSingle().Subject;
        (put.Bucket, put.Key, put.ContentType).Should().Be((Destination, "blurred/team/photo.jpg", "image/jpeg"));
        put.MetadataCount.Should().Be(0, "nothing of the source's user metadata is copied");
        put.Request.TagSet.Should().BeNullOrEmpty();
        put.Body.Should().NotEqual(jpeg);
        ImageProbe.Probe(put.Body).Format.Should().Be(ImageFormat.Jpeg);
        await _detector.Received(1).DetectFacesAsync(new S3ObjectLocation(Source, "uploads/team/photo.jpg", "v1"), Arg.Any<CancellationToken>());
        JsonElement delivered = _log.At("INFO").Single(l => l.GetProperty("message").GetString() == "image blurred and delivered");
        delivered.GetProperty("facesFound").GetInt64().Should().Be(1);
        delivered.GetProperty("facesBlurred").GetInt64().Should().Be(1);
        delivered.GetProperty("sourceBytes").GetInt64().Should().Be(jpeg.Length);
        delivered.GetProperty("outputKey").GetString().Should().Be("blurred/team/photo.jpg");
        delivered.TryGetProperty("detectMs", out _).Should().BeTrue();
        delivered.TryGetProperty("totalMs", out _).Should().BeTrue();
        _log.Text.Should().NotContain("48.85").And.NotContain("ana");
    }

    [Fact]
    public async Task The_face_region_changes_and_the_rest_of_the_image_stays_close_to_the_source()
    {
        byte[] png = TestImages.Png(100, 100);
        _bucket.Store(Source, "uploads/p.png", png, versionId: "v1");
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns([new FaceBox(0.4, 0.4, 0.2, 0.2)]);

        await Handle(Message("m1", "uploads/p.png", versionId: "v1"));

        using SKBitmap before = SKBitmap.Decode(png);
        using SKBitmap after = SKBitmap.Decode(_bucket.Puts.Single().Body);
        after.GetPixel(50, 50).Should().NotBe(before.GetPixel(50, 50), "the centre of the face is blurred");
        after.GetPixel(5, 5).Should().Be(before.GetPixel(5, 5), "PNG is lossless and the corner is far from the face");
    }

    [Fact]
    public async Task A_PNG_named_jpg_is_processed_as_PNG_and_written_as_image_png_under_its_own_key()
    {
        _bucket.Store(Source, "uploads/disguised.jpg", TestImages.Png(), versionId: "v1");

        await Handle(Message("m1", "uploads/disguised.jpg", versionId: "v1"));

        Put put = _bucket.Puts.Single();
        (put.Key, put.ContentType).Should().Be(("blurred/disguised.jpg", "image/png"));
        ImageProbe.Probe(put.Body).Format.Should().Be(ImageFormat.Png);
    }

    [Fact]
    public async Task An_image_without_faces_is_still_delivered()
    {
        _bucket.Store(Source, "uploads/landscape.jpg", TestImages.Jpeg(), versionId: "v1");
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns([]);

        string response = await Handle(Message("m1", "uploads/landscape.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        _bucket.Puts.Should().ContainSingle().Which.ContentType.Should().Be("image/jpeg");
    }

    [Fact]
    public async Task Fail_closed_a_detection_failure_writes_nothing_and_the_message_is_retried()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), versionId: "v1");
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new FaceDetectionTransientException("DetectFaces failed (gave up after 4 attempts): ThrottlingException", "ThrottlingException", 400, 4));

        string response = await Handle(Message("m1", "uploads/a.jpg", versionId: "v1"));

        response.Should().Be("""{"batchItemFailures":[{"itemIdentifier":"m1"}]}""");
        _bucket.Puts.Should().BeEmpty("an image is never published unblurred");
        _deadLetters.Should().BeEmpty("the queue retries it, then its redrive policy moves it to the dead-letter queue");
    }

    [Fact]
    public async Task Fail_closed_an_image_the_detector_rejects_goes_to_the_dead_letter_queue_and_nothing_is_written()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), versionId: "v1");
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new BadInputException("Rekognition rejected the image (InvalidImageFormatException): Request has invalid image format"));

        string response = await Handle(Message("m1", "uploads/a.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        _bucket.Puts.Should().BeEmpty();
        Reason(_deadLetters.Should().ContainSingle().Subject).Should().Contain("InvalidImageFormatException");
    }

    [Fact]
    public async Task A_text_file_named_jpg_goes_to_the_dead_letter_queue_without_calling_Rekognition()
    {
        _bucket.Store(Source, "uploads/notes.jpg", TestImages.Text, versionId: "v1");

        string response = await Handle(Message("m1", "uploads/notes.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        SendMessageRequest dead = _deadLetters.Should().ContainSingle().Subject;
        dead.QueueUrl.Should().Be(Samples.DeadLetterQueueUrl);
        Reason(dead).Should().Contain("not JPEG or PNG");
        dead.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue.Should().Be("m1");
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_pixel_bomb_goes_to_the_dead_letter_queue_before_Rekognition_is_called()
    {
        _bucket.Store(Source, "uploads/bomb.png", TestImages.PngPixelBomb(), versionId: "v1");

        await Handle(Message("m1", "uploads/bomb.png", versionId: "v1"));

        Reason(_deadLetters.Single()).Should().Contain("50000x50000").And.Contain("MAX_PIXELS=40000000");
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task The_pixel_limit_is_configurable()
    {
        _settings = _settings with { MaxPixels = 96 * 64 - 1 };
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(96, 64), versionId: "v1");

        await Handle(Message("m1", "uploads/a.jpg", versionId: "v1"));

        Reason(_deadLetters.Single()).Should().Contain("96x64");
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    [Fact]
    public async Task An_oversized_object_goes_to_the_dead_letter_queue_unread()
    {
        _settings = _settings with { MaxImageBytes = 1000 };
        _bucket.Store(Source, "uploads/big.jpg", TestImages.Jpeg(400, 300), versionId: "v1");

        await Handle(Message("m1", "uploads/big.jpg", versionId: "v1"));

        Reason(_deadLetters.Single()).Should().Contain("MAX_IMAGE_BYTES=1000");
        _bucket.GetRequests.Should().BeEmpty("the size is checked with HeadObject before any download");
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    [Fact]
    public async Task A_zero_byte_object_goes_to_the_dead_letter_queue()
    {
        _bucket.Store(Source, "uploads/empty.jpg", [], versionId: "v1");

        await Handle(Message("m1", "uploads/empty.jpg", versionId: "v1", size: 0));

        Reason(_deadLetters.Single()).Should().Contain("empty");
        _bucket.GetRequests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_truncated_JPEG_goes_to_the_dead_letter_queue_before_Rekognition_is_called_and_nothing_is_written()
    {
        byte[] jpeg = TestImages.Jpeg(200, 150);
        _bucket.Store(Source, "uploads/cut.jpg", jpeg[..(jpeg.Length / 2)], versionId: "v1");

        string response = await Handle(Message("m1", "uploads/cut.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        _deadLetters.Should().ContainSingle();
        _bucket.Puts.Should().BeEmpty();
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    [Theory]
    [InlineData("progressive", true)]
    [InlineData("progressive", false)]
    [InlineData("arithmetic", true)]
    [InlineData("arithmetic-progressive", false)]
    public async Task A_cut_JPEG_of_any_process_goes_to_the_dead_letter_queue_with_its_reason_faces_or_not(string kind, bool withFace)
    {
        byte[] jpeg = kind switch
        {
            "progressive" => Imaging.JpegProcessFiles.Progressive,
            "arithmetic" => Imaging.JpegProcessFiles.Arithmetic,
            _ => Imaging.JpegProcessFiles.ArithmeticProgressive,
        };
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns(withFace ? [Face] : []);
        _bucket.Store(Source, "uploads/cut.jpg", jpeg[..(jpeg.Length * 3 / 4)], versionId: "v1");

        string response = await Handle(Message("m1", "uploads/cut.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        Reason(_deadLetters.Should().ContainSingle().Subject).Should().StartWith("image is truncated or corrupt");
        _bucket.Puts.Should().BeEmpty();
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_progressive_JPEG_with_corrupt_image_data_goes_to_the_dead_letter_queue_with_its_reason_faces_or_not(bool withFace)
    {
        byte[] jpeg = Imaging.JpegProcessFiles.Progressive;
        int data = jpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        data += 2 + ((jpeg[data + 2] << 8) | jpeg[data + 3]);
        for (int i = 0; i < 8; i += 2)
        {
            jpeg[data + i] = 0xFF; // one bits only: no Huffman code, though libjpeg-turbo would decode the image without complaint
            jpeg[data + i + 1] = 0x00;
        }

        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns(withFace ? [Face] : []);
        _bucket.Store(Source, "uploads/corrupt.jpg", jpeg, versionId: "v1");

        string response = await Handle(Message("m1", "uploads/corrupt.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        Reason(_deadLetters.Should().ContainSingle().Subject).Should().Be(
            "image is truncated or corrupt (JPEG entropy-coded data is corrupt (a bit pattern is no code of its Huffman table))");
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task An_arithmetic_coded_JPEG_goes_to_the_dead_letter_queue_because_it_cannot_be_verified()
    {
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns([Face]);
        _bucket.Store(Source, "uploads/arith.jpg", Imaging.JpegProcessFiles.Arithmetic, versionId: "v1");

        string response = await Handle(Message("m1", "uploads/arith.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        Reason(_deadLetters.Should().ContainSingle().Subject).Should().StartWith("arithmetic-coded JPEG cannot be verified");
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_detector_box_of_negative_size_sends_the_image_to_the_dead_letter_queue_instead_of_delivering_it_unblurred()
    {
        byte[] jpeg = TestImages.Jpeg();
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns([Face, new FaceBox(0.6, 0.3, -0.2, 0.3)]);
        _bucket.Store(Source, "uploads/odd.jpg", jpeg, versionId: "v1");

        string response = await Handle(Message("m1", "uploads/odd.jpg", versionId: "v1", size: jpeg.Length));

        response.Should().Be(NoFailures);
        Reason(_deadLetters.Should().ContainSingle().Subject).Should().Contain("face detector's box 1");
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_deleted_object_is_skipped_with_a_warning()
    {
        string response = await Handle(Message("m1", "uploads/gone.jpg", versionId: "v1"));

        response.Should().Be(NoFailures);
        _log.Messages("WARN").Should().ContainSingle().Which.Should().Contain("no longer exists");
        _deadLetters.Should().BeEmpty();
        _bucket.Puts.Should().BeEmpty();
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    [Fact]
    public async Task A_duplicate_delivery_rewrites_the_same_output_bytes()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), versionId: "v1");

        await Handle(Message("m1", "uploads/a.jpg", versionId: "v1"));
        await Handle(Message("m1", "uploads/a.jpg", versionId: "v1"));

        _bucket.Puts.Should().HaveCount(2);
        _bucket.Puts[1].Key.Should().Be(_bucket.Puts[0].Key);
        _bucket.Puts[1].Body.Should().Equal(_bucket.Puts[0].Body);
    }

    [Theory]
    [InlineData("uploads/", "blurred/", "uploads/a/b/c+d.jpg", "blurred/a/b/c d.jpg")]
    [InlineData("uploads/", "", "uploads/x%2By.png", "x+y.png")]
    [InlineData("", "blurred/", "x.png", "blurred/x.png")]
    [InlineData("", "", "deep/path/x.png", "deep/path/x.png")]
    public async Task The_output_key_is_the_destination_prefix_plus_the_key_without_the_input_prefix(string inputPrefix, string destinationPrefix, string rawKey, string expected)
    {
        _settings = _settings with { InputPrefix = inputPrefix, DestinationPrefix = destinationPrefix };
        string key = S3ObjectKey.Decode(rawKey);
        _bucket.Store(Source, key, TestImages.Png(), versionId: "v1");

        await Handle(Message("m1", rawKey, versionId: "v1"));

        _bucket.Puts.Single().Should().Match<Put>(p => p.Bucket == Destination && p.Key == expected);
    }

    [Fact]
    public async Task An_unversioned_object_is_read_by_ETag_and_checked_again_after_detection()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), eTag: "\"e1\"");

        await Handle(Message("m1", "uploads/a.jpg"));

        _bucket.GetRequests.Single().EtagToMatch.Should().Be("\"e1\"");
        _bucket.HeadRequests.Should().HaveCount(2);
        _bucket.Puts.Should().ContainSingle();
        await _detector.Received(1).DetectFacesAsync(new S3ObjectLocation(Source, "uploads/a.jpg", null), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_versioned_object_is_pinned_to_its_version_and_needs_no_second_check()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), versionId: "v7");

        await Handle(Message("m1", "uploads/a.jpg", versionId: "v7"));

        _bucket.GetRequests.Single().Should().Match<Amazon.S3.Model.GetObjectRequest>(r => r.VersionId == "v7" && r.EtagToMatch == null);
        _bucket.HeadRequests.Should().ContainSingle().Which.VersionId.Should().Be("v7");
    }

    [Fact]
    public async Task An_unversioned_object_replaced_during_detection_is_not_blurred_with_the_wrong_faces()
    {
        _bucket.Store(Source, "uploads/a.jpg", TestImages.Jpeg(), eTag: "\"e1\"");
        _detector.DetectFacesAsync(Arg.Any<S3ObjectLocation>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            _bucket.Store(Source, "uploads/a.jpg", TestImages.Png(), eTag: "\"e2\""); // a new upload while Rekognition looks
            return Task.FromResult<IReadOnlyList<FaceBox>>([Face]);
        });

        string response = await Handle(Message("m1", "uploads/a.jpg"));

        response.Should().Be(NoFailures);
        _bucket.Puts.Should().BeEmpty();
        _log.Messages("INFO").Should().Contain(m => m!.Contains("replaced while being processed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_S3_test_event_folder_markers_and_misrouted_records_are_skipped()
    {
        string misrouted = Samples.S3Event(
            Samples.S3Record("uploads/a.jpg", bucket: "another-bucket"),
            Samples.S3Record("elsewhere/a.jpg", bucket: Source),
            Samples.S3Record("uploads/a.jpg", bucket: Source, eventName: "ObjectRemoved:Delete"));
        string folder = Samples.S3Event(Samples.S3Record("uploads/2025/", bucket: Source, size: 0));

        string response = await Handle(Samples.SqsEvent(
            Samples.SqsMessage("m1", Samples.S3TestEvent),
            Samples.SqsMessage("m2", misrouted),
            Samples.SqsMessage("m3", folder)));

        response.Should().Be(NoFailures);
        _log.Messages("ERROR").Should().HaveCount(3).And.OnlyContain(m => m!.Contains("not for this worker", StringComparison.Ordinal));
        _log.Messages("INFO").Should().Contain(m => m!.Contains("S3 test event", StringComparison.Ordinal)).And.Contain(m => m!.Contains("folder marker", StringComparison.Ordinal));
        _bucket.HeadRequests.Should().BeEmpty();
        _deadLetters.Should().BeEmpty();
    }

    [Fact]
    public async Task A_malformed_notification_goes_to_the_dead_letter_queue()
    {
        string response = await Handle(Samples.SqsEvent(Samples.SqsMessage("m1", "{\"Records\": [ not json")));

        response.Should().Be(NoFailures);
        Reason(_deadLetters.Single()).Should().Contain("not valid");
    }

    [Fact]
    public async Task Each_message_of_a_batch_has_its_own_outcome()
    {
        _bucket.Store(Source, "uploads/good.jpg", TestImages.Jpeg(), versionId: "v1");
        _bucket.Store(Source, "uploads/notes.jpg", TestImages.Text, versionId: "v1");
        _bucket.Store(Source, "uploads/throttled.jpg", TestImages.Jpeg(), versionId: "v1");
        _detector.DetectFacesAsync(Arg.Is<S3ObjectLocation>(l => l.Key == "uploads/throttled.jpg"), Arg.Any<CancellationToken>())
            .ThrowsAsync(new FaceDetectionTransientException("throttled"));

        string response = await Handle(Samples.SqsEvent(
            Samples.SqsMessage("m1", Samples.S3Event(Samples.S3Record("uploads/good.jpg", bucket: Source, versionId: "v1"))),
            Samples.SqsMessage("m2", Samples.S3Event(Samples.S3Record("uploads/notes.jpg", bucket: Source, versionId: "v1"))),
            Samples.SqsMessage("m3", Samples.S3Event(Samples.S3Record("uploads/throttled.jpg", bucket: Source, versionId: "v1")))));

        response.Should().Be("""{"batchItemFailures":[{"itemIdentifier":"m3"}]}""");
        _bucket.Puts.Should().ContainSingle().Which.Key.Should().Be("blurred/good.jpg");
        _deadLetters.Should().ContainSingle().Which.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue.Should().Be("m2");
    }

    [Fact]
    public void Invalid_settings_are_refused_by_the_test_constructor_too()
    {
        Action sameBucketSamePrefix = () => _ = new FaceBlurWorker(_s3, _sqs, _detector, _settings with { DestinationBucket = Source, DestinationPrefix = "uploads/" }, _log.Log);

        sameBucketSamePrefix.Should().Throw<InvalidOperationException>().WithMessage("*must both be set and neither may start with the other*");
    }

    private static string Message(string messageId, string rawKey, string? versionId = null, long size = 1234) =>
        Samples.SqsEvent(Samples.SqsMessage(messageId, Samples.S3Event(Samples.S3Record(rawKey, bucket: Source, versionId: versionId, size: size))));

    private static string Reason(SendMessageRequest deadLetter) => deadLetter.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue;

    [Theory]
    [InlineData("""{"Records":[null]}""", "null", "Records[0] is null")]
    public async Task A_null_record_in_the_batch_goes_straight_to_the_dead_letter_queue_with_its_reason(string sqsEvent, string body, string reason)
    {
        string response = await Handle(sqsEvent);

        response.Should().Be(NoFailures);
        SendMessageRequest dead = _deadLetters.Should().ContainSingle().Subject;
        dead.MessageBody.Should().Be(body);
        dead.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should().Contain(reason);
        _bucket.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task An_S3_notification_with_a_null_record_goes_to_the_dead_letter_queue_and_nothing_is_detected()
    {
        string response = await Handle(Samples.SqsEvent(Samples.SqsMessage("m1", """{"Records":[null]}""")));

        response.Should().Be(NoFailures);
        _deadLetters.Should().ContainSingle().Which.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should().Contain("null entry at $.Records[0]");
        await _detector.DidNotReceiveWithAnyArgs().DetectFacesAsync(default!, default);
    }

    private async Task<string> Handle(string sqsEvent)
    {
        var worker = new FaceBlurWorker(_s3, _sqs, _detector, _settings, _log.Log);
        return Samples.ReadAll(await worker.HandleAsync(Samples.Utf8(sqsEvent)));
    }
}
