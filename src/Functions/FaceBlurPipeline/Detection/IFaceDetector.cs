using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>Finds the faces in an image stored in S3, the way Amazon Rekognition's <c>DetectFaces</c> does.</summary>
public interface IFaceDetector
{
    /// <summary>The faces found in <paramref name="image"/>, as ratios of the (orientation-corrected) image; empty when there are none.</summary>
    /// <exception cref="Shared.BadInputException">The service rejected the image itself (not an image it can read, too large, unreadable object).</exception>
    /// <exception cref="FaceDetectionTransientException">Detection failed in a way a later attempt may not (throttling, service errors, timeouts, permissions).</exception>
    Task<IReadOnlyList<FaceBox>> DetectFacesAsync(S3ObjectLocation image, CancellationToken cancellationToken = default);
}

/// <summary>One revision of an S3 object: the decoded key and, on a versioned bucket, the version id that pins it.</summary>
public sealed record S3ObjectLocation(string Bucket, string Key, string? VersionId = null);
