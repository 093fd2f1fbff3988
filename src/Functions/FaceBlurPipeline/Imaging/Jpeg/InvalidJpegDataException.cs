namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// The entropy-coded data of a JPEG that looked eligible from its header cannot be read: it is truncated, uses a
/// Huffman code its tables do not define, runs past the 64 coefficients of a block, lacks an expected restart
/// marker, or holds values an 8-bit baseline image cannot have. The only exception the DCT-domain editor raises for
/// bad input; <see cref="FaceBlurrer"/> answers it with the pixel path, which refuses what its decoder refuses.
/// </summary>
internal sealed class InvalidJpegDataException : Exception
{
    public InvalidJpegDataException()
        : this("JPEG entropy-coded data is corrupt")
    {
    }

    public InvalidJpegDataException(string message)
        : base(message)
    {
    }

    public InvalidJpegDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
