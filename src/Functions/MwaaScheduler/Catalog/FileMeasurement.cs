using System.Buffers;
using System.Security.Cryptography;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>What a backup file holds, measured in one streamed pass: its size, SHA-256 and JSONL rows.</summary>
/// <param name="Bytes">The byte count.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes.</param>
/// <param name="Rows">Lines with at least one non-whitespace byte (a final line without a line feed counts; blank lines do not).</param>
public sealed record FileMeasurement(long Bytes, string Sha256, long Rows)
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Reads <paramref name="content"/> to its end, never holding more than one buffer of it.</summary>
    public static async Task<FileMeasurement> MeasureAsync(Stream content, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long bytes = 0;
            long rows = 0;
            bool lineHasContent = false;
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellation)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                bytes += read;
                foreach (byte b in buffer.AsSpan(0, read))
                {
                    if (b == (byte)'\n')
                    {
                        rows += lineHasContent ? 1 : 0;
                        lineHasContent = false;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                    {
                        lineHasContent = true;
                    }
                }
            }

            rows += lineHasContent ? 1 : 0;
            return new FileMeasurement(bytes, Convert.ToHexStringLower(hash.GetHashAndReset()), rows);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
