using Patterns.Cdk.Functions.FaceBlurPipeline;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Worker;

public class FaceBlurSettingsTests
{
    [Fact]
    public void Minimal_environment_gives_the_documented_defaults()
    {
        FaceBlurSettings settings = FaceBlurSettings.FromEnvironment(Env.Of(("SOURCE_BUCKET", "in"), ("DESTINATION_BUCKET", "out")));

        settings.Should().BeEquivalentTo(new FaceBlurSettings
        {
            SourceBucket = "in",
            InputPrefix = "",
            DestinationBucket = "out",
            DestinationPrefix = "",
            MaxPixels = 40_000_000,
            MaxImageBytes = 15_728_640,
            DeadLetterQueueUrl = null,
            MaxReceiveCount = null,
            MinFaceConfidence = 50,
            RekognitionEndpoint = null,
        });
    }

    [Fact]
    public void Every_variable_is_read()
    {
        FaceBlurSettings settings = FaceBlurSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "in"),
            ("INPUT_PREFIX", "uploads/"),
            ("DESTINATION_BUCKET", "in"),
            ("DESTINATION_PREFIX", "blurred/"),
            ("MAX_PIXELS", "1000000"),
            ("MAX_IMAGE_BYTES", "5242880"),
            ("DEAD_LETTER_QUEUE_URL", Samples.DeadLetterQueueUrl),
            ("MAX_RECEIVE_COUNT", "4"),
            ("MIN_FACE_CONFIDENCE", "72.5"),
            ("REKOGNITION_ENDPOINT", "http://127.0.0.1:9000")));

        settings.Should().BeEquivalentTo(new FaceBlurSettings
        {
            SourceBucket = "in",
            InputPrefix = "uploads/",
            DestinationBucket = "in",
            DestinationPrefix = "blurred/",
            MaxPixels = 1_000_000,
            MaxImageBytes = 5_242_880,
            DeadLetterQueueUrl = Samples.DeadLetterQueueUrl,
            MaxReceiveCount = 4,
            MinFaceConfidence = 72.5,
            RekognitionEndpoint = new Uri("http://127.0.0.1:9000"),
        });
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Action read = () => FaceBlurSettings.FromEnvironment(Env.Of(
            ("MAX_PIXELS", "0"),
            ("MAX_IMAGE_BYTES", "lots"),
            ("MIN_FACE_CONFIDENCE", "101"),
            ("MAX_RECEIVE_COUNT", "-1"),
            ("REKOGNITION_ENDPOINT", "ftp://x")));

        read.Should().Throw<InvalidOperationException>().Which.Message.Should()
            .Contain("SOURCE_BUCKET is required").And.Contain("DESTINATION_BUCKET is required")
            .And.Contain("MAX_PIXELS must be").And.Contain("MAX_IMAGE_BYTES must be")
            .And.Contain("MIN_FACE_CONFIDENCE must be").And.Contain("MAX_RECEIVE_COUNT must be").And.Contain("REKOGNITION_ENDPOINT must be");
    }

    [Fact]
    public void A_max_receive_count_set_in_code_is_validated()
    {
        var settings = new FaceBlurSettings { SourceBucket = "in", DestinationBucket = "out", MaxReceiveCount = 0 };

        settings.Invoking(s => s.Validate()).Should().Throw<InvalidOperationException>().WithMessage("*MAX_RECEIVE_COUNT must be a whole number greater than zero (got 0)*");
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("uploads/", "")]
    [InlineData("", "blurred/")]
    [InlineData("uploads/", "uploads/blurred/")]
    [InlineData("uploads/blurred/", "uploads/")]
    [InlineData("uploads/", "uploads/")]
    public void The_same_bucket_needs_two_prefixes_neither_starting_with_the_other(string inputPrefix, string destinationPrefix)
    {
        Action read = () => FaceBlurSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "one"), ("DESTINATION_BUCKET", "one"), ("INPUT_PREFIX", inputPrefix), ("DESTINATION_PREFIX", destinationPrefix)));

        read.Should().Throw<InvalidOperationException>().WithMessage("*DESTINATION_BUCKET equals SOURCE_BUCKET*would trigger the worker again*");
    }

    [Fact]
    public void The_same_bucket_with_disjoint_prefixes_is_accepted()
    {
        Action read = () => FaceBlurSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "one"), ("DESTINATION_BUCKET", "one"), ("INPUT_PREFIX", "uploads/"), ("DESTINATION_PREFIX", "blurred/")));

        read.Should().NotThrow();
    }

    [Fact]
    public void A_key_equal_to_the_input_prefix_has_no_output_name()
    {
        var settings = new FaceBlurSettings { SourceBucket = "in", InputPrefix = "uploads/", DestinationBucket = "out" };

        Action map = () => settings.DestinationKeyFor("uploads/");

        map.Should().Throw<BadInputException>();
    }
}
