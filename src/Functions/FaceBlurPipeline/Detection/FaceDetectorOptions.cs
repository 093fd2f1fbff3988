namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>Settings of <see cref="RekognitionFaceDetectorStandIn"/>.</summary>
public sealed record RekognitionStandInOptions
{
    /// <summary>The region of the Rekognition endpoint and of the signature's credential scope (the function's <c>AWS_REGION</c>).</summary>
    public required string Region { get; init; }

    /// <summary>Where requests go (env <c>REKOGNITION_ENDPOINT</c>, for tests). Default: <c>https://rekognition.&lt;region&gt;.amazonaws.com/</c>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Faces reported with a lower confidence (0..100) are ignored (env <c>MIN_FACE_CONFIDENCE</c>). Default: 50.</summary>
    public double MinFaceConfidence { get; init; } = 50;

    /// <summary>Retries of throttling and service errors. Default: <see cref="DetectionRetryPolicy.Default"/>.</summary>
    public DetectionRetryPolicy Retry { get; init; } = DetectionRetryPolicy.Default;

    /// <summary>The signing time source. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Waits between attempts (tests replace it to record the waits). Default: <see cref="Task.Delay(TimeSpan, CancellationToken)"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (delay, cancellationToken) => Task.Delay(delay, cancellationToken);

    /// <summary>A uniform random number in [0, 1) for the jitter. Default: <see cref="Random.Shared"/>.</summary>
    public Func<double> Random { get; init; } = static () => System.Random.Shared.NextDouble();

    /// <summary>The endpoint requests go to.</summary>
    public Uri ResolvedEndpoint => Endpoint ?? new Uri($"https://rekognition.{Region}.amazonaws.com/");
}
