using System.Globalization;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline;

/// <summary>Settings of <see cref="FaceBlurWorker"/>, read from the function's environment.</summary>
public sealed record FaceBlurSettings
{
    /// <summary>Rekognition's limit for images it reads from S3 (15 MiB).</summary>
    public const long DefaultMaxImageBytes = 15L * 1024 * 1024;

    /// <summary>Pixel budget of a decoded image (width x height).</summary>
    public const long DefaultMaxPixels = 40_000_000;

    public const double DefaultMinFaceConfidence = 50;

    /// <summary><c>SOURCE_BUCKET</c>: where images are uploaded.</summary>
    public required string SourceBucket { get; init; }

    /// <summary><c>INPUT_PREFIX</c> (may be empty): only keys starting with it are this worker's.</summary>
    public string InputPrefix { get; init; } = "";

    /// <summary><c>DESTINATION_BUCKET</c>: where blurred images go.</summary>
    public required string DestinationBucket { get; init; }

    /// <summary><c>DESTINATION_PREFIX</c> (may be empty): output key = <c>DESTINATION_PREFIX</c> + key without <c>INPUT_PREFIX</c>.</summary>
    public string DestinationPrefix { get; init; } = "";

    /// <summary><c>MAX_PIXELS</c> (default 40,000,000): larger images (by their header) are rejected before anything is decoded or detected.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary><c>MAX_IMAGE_BYTES</c> (default 15,728,640, Rekognition's limit for S3 images): larger or empty objects are rejected unread.</summary>
    public long MaxImageBytes { get; init; } = DefaultMaxImageBytes;

    /// <summary><c>DEAD_LETTER_QUEUE_URL</c> (optional): where images that can never be blurred go, with the reason.</summary>
    public string? DeadLetterQueueUrl { get; init; }

    /// <summary><c>MAX_RECEIVE_COUNT</c> (optional): the queue's redrive <c>maxReceiveCount</c>; an image that still fails on that
    /// receive is parked in <c>DEAD_LETTER_QUEUE_URL</c> with the reason (see <see cref="SqsBatchProcessor"/>).</summary>
    public int? MaxReceiveCount { get; init; }

    /// <summary><c>MIN_FACE_CONFIDENCE</c> (0..100, default 50): faces detected with a lower confidence are not blurred.</summary>
    public double MinFaceConfidence { get; init; } = DefaultMinFaceConfidence;

    /// <summary><c>REKOGNITION_ENDPOINT</c> (optional, for tests): where DetectFaces requests go instead of the regional endpoint.</summary>
    public Uri? RekognitionEndpoint { get; init; }

    /// <exception cref="InvalidOperationException">A variable is missing or invalid, or outputs could trigger the worker again; the message lists every problem.</exception>
    public static FaceBlurSettings FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        var settings = new FaceBlurSettings
        {
            SourceBucket = reader.Required("SOURCE_BUCKET"),
            InputPrefix = reader.Optional("INPUT_PREFIX"),
            DestinationBucket = reader.Required("DESTINATION_BUCKET"),
            DestinationPrefix = reader.Optional("DESTINATION_PREFIX"),
            MaxPixels = PositiveInt64(reader, environment, "MAX_PIXELS", DefaultMaxPixels, long.MaxValue),
            MaxImageBytes = PositiveInt64(reader, environment, "MAX_IMAGE_BYTES", DefaultMaxImageBytes, Array.MaxLength),
            DeadLetterQueueUrl = reader.Optional("DEAD_LETTER_QUEUE_URL") is { Length: > 0 } url ? url : null,
            MaxReceiveCount = reader.OptionalPositiveInt32("MAX_RECEIVE_COUNT"),
            MinFaceConfidence = Confidence(reader, environment),
            RekognitionEndpoint = Endpoint(reader, environment),
        };
        foreach (string problem in settings.CrossCheck())
        {
            reader.AddProblem(problem);
        }

        reader.ThrowIfInvalid(nameof(FaceBlurWorker));
        return settings;
    }

    /// <summary>Checks values set in code (the test constructor), as <see cref="FromEnvironment"/> does.</summary>
    /// <exception cref="InvalidOperationException">The settings are invalid; the message lists every problem.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(SourceBucket))
        {
            problems.Add("SOURCE_BUCKET is required but not set");
        }

        if (string.IsNullOrWhiteSpace(DestinationBucket))
        {
            problems.Add("DESTINATION_BUCKET is required but not set");
        }

        if (MaxPixels <= 0 || MaxImageBytes <= 0 || MaxImageBytes > Array.MaxLength)
        {
            problems.Add($"MAX_PIXELS and MAX_IMAGE_BYTES must be greater than zero, MAX_IMAGE_BYTES at most {Array.MaxLength} (got {MaxPixels}, {MaxImageBytes})");
        }

        if (MaxReceiveCount is < 1)
        {
            problems.Add($"MAX_RECEIVE_COUNT must be a whole number greater than zero (got {MaxReceiveCount.Value.ToString(CultureInfo.InvariantCulture)})");
        }

        if (MinFaceConfidence is < 0 or > 100 || double.IsNaN(MinFaceConfidence))
        {
            problems.Add($"MIN_FACE_CONFIDENCE must be a number from 0 to 100 (got {MinFaceConfidence.ToString(CultureInfo.InvariantCulture)})");
        }

        problems.AddRange(CrossCheck());
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{nameof(FaceBlurWorker)} is misconfigured: {string.Join("; ", problems)}.");
        }
    }

    /// <summary>
    /// The output key of a source key inside the scope: <c>DESTINATION_PREFIX</c> + the key without <c>INPUT_PREFIX</c>
    /// (nested paths kept: <c>uploads/a/b.jpg</c> becomes <c>blurred/a/b.jpg</c>; the same key when both prefixes are empty).
    /// </summary>
    /// <exception cref="BadInputException">The key equals <c>INPUT_PREFIX</c>, which leaves no name for the output.</exception>
    public string DestinationKeyFor(string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        if (!sourceKey.StartsWith(InputPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The key does not start with INPUT_PREFIX ({InputPrefix}).", nameof(sourceKey));
        }

        string key = DestinationPrefix + sourceKey[InputPrefix.Length..];
        return key.Length > 0 ? key : throw new BadInputException("the object key equals INPUT_PREFIX, which leaves no name for the output");
    }

    // Same rule as RecursionSafeS3Processor's KeyFilter strategy: writing into the source bucket is safe only when
    // no output key can fall under INPUT_PREFIX, that is when both prefixes are set and neither starts with the other.
    private IEnumerable<string> CrossCheck()
    {
        if (SourceBucket.Length > 0
            && string.Equals(SourceBucket, DestinationBucket, StringComparison.Ordinal)
            && (DestinationPrefix.StartsWith(InputPrefix, StringComparison.Ordinal) || InputPrefix.StartsWith(DestinationPrefix, StringComparison.Ordinal)))
        {
            yield return $"DESTINATION_BUCKET equals SOURCE_BUCKET ('{SourceBucket}'), so INPUT_PREFIX ('{InputPrefix}') and DESTINATION_PREFIX ('{DestinationPrefix}') must both be set and neither may start with the other, or blurred images would trigger the worker again (for example uploads/ and blurred/)";
        }
    }

    private static long PositiveInt64(SettingsReader reader, Func<string, string?> environment, string name, long defaultValue, long max)
    {
        string? value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long number) && number > 0 && number <= max)
        {
            return number;
        }

        reader.AddProblem($"{name} must be a whole number from 1 to {max} (got '{value}')");
        return defaultValue;
    }

    private static double Confidence(SettingsReader reader, Func<string, string?> environment)
    {
        string? value = environment("MIN_FACE_CONFIDENCE");
        if (string.IsNullOrEmpty(value))
        {
            return DefaultMinFaceConfidence;
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number) && number is >= 0 and <= 100)
        {
            return number;
        }

        reader.AddProblem($"MIN_FACE_CONFIDENCE must be a number from 0 to 100 (got '{value}')");
        return DefaultMinFaceConfidence;
    }

    private static Uri? Endpoint(SettingsReader reader, Func<string, string?> environment)
    {
        string? value = environment("REKOGNITION_ENDPOINT");
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        reader.AddProblem($"REKOGNITION_ENDPOINT must be an absolute http(s) URL (got '{value}')");
        return null;
    }
}
