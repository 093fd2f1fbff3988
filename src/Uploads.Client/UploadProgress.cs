namespace Patterns.Cdk.Uploads.Client;

/// <summary>Progress of one upload, reported after each part (and once at the start and the end).</summary>
/// <param name="BytesTransferred">Bytes stored so far (parts already present when resuming included).</param>
/// <param name="TotalBytes">The file's size.</param>
/// <param name="PartsCompleted">Parts stored so far.</param>
/// <param name="PartCount">Parts in the upload (1 for a single upload).</param>
public readonly record struct UploadProgress(long BytesTransferred, long TotalBytes, int PartsCompleted, int PartCount);
