using System.Text.Json;

namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// The plan manifest the Distributed Map reads (ItemReader, S3 JSON): <c>[{"page":1},{"page":2},...]</c>, compact.
/// Written as a stream (never built in memory): 1,000,000 pages make a 15.9 MB file, see <see cref="ByteLength"/>.
/// </summary>
internal static class PageManifest
{
    /// <summary>Items per flush of the writer: keeps its buffer small (about 60 KB).</summary>
    private const int FlushEvery = 4096;

    /// <summary>
    /// The exact size of the manifest of <paramref name="pages"/> pages: <c>[</c> and <c>]</c>, a comma between items, and
    /// per item <c>{"page":N}</c> = 9 bytes + the digits of N.
    /// </summary>
    public static long ByteLength(int pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        long length = 2 + Math.Max(0, pages - 1) + (9L * pages);
        long digitsStart = 1;
        for (int digits = 1; digitsStart <= pages; digits++, digitsStart *= 10)
        {
            long digitsEnd = Math.Min(pages, (digitsStart * 10) - 1);
            length += digits * (digitsEnd - digitsStart + 1);
        }

        return length;
    }

    /// <summary>Writes the manifest of pages 1..<paramref name="pages"/> to <paramref name="output"/>.</summary>
    public static async Task WriteAsync(Stream output, int pages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        await using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        for (int page = 1; page <= pages; page++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("page", page);
            writer.WriteEndObject();
            if (page % FlushEvery == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken);
    }
}
