namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>Settings of <see cref="RekognitionFaceDetector"/>.</summary>
public sealed record FaceDetectorOptions
{
    /// <summary>Faces reported with a lower confidence (0..100) are ignored (env <c>MIN_FACE_CONFIDENCE</c>). Default: 50.</summary>
    public double MinFaceConfidence { get; init; } = 50;

    /// <summary>Retries of throttling and service errors. Default: <see cref="DetectionRetryPolicy.Default"/>.</summary>
    public DetectionRetryPolicy Retry { get; init; } = DetectionRetryPolicy.Default;

    /// <summary>Waits between attempts (tests replace it to record the waits). Default: <see cref="Task.Delay(TimeSpan, CancellationToken)"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (delay, cancellationToken) => Task.Delay(delay, cancellationToken);

    /// <summary>A uniform random number in [0, 1) for the jitter. Default: <see cref="Random.Shared"/>.</summary>
    public Func<double> Random { get; init; } = static () => System.Random.Shared.NextDouble();
}
