using System.Buffers;
using System.Globalization;
using Patterns.Cdk.Functions.ApiPoller.Partner;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// A page on its way from the partner to S3: its bytes in a temporary file (deleted when this is disposed) and what the
/// scanner captured. S3 needs the length of a PutObject body up front, which a streamed HTTP response may not declare;
/// a file gives it without holding the page in memory (Lambda's <c>/tmp</c> is 512 MB to 10 GB).
/// </summary>
internal sealed class SpooledPage : IAsyncDisposable
{
    private readonly FileStream _file;

    private SpooledPage(FileStream file, long length, long? total, string? cursor, long? itemCount)
    {
        _file = file;
        Length = length;
        Total = total;
        Cursor = cursor;
        ItemCount = itemCount;
    }

    public long Length { get; }

    public long? Total { get; }

    public string? Cursor { get; }

    public long? ItemCount { get; }

    /// <summary>The page's bytes from the start (one reader at a time; rewound by every call).</summary>
    public Stream OpenRead()
    {
        _file.Position = 0;
        return _file;
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    /// <summary>
    /// Copies <paramref name="body"/> to a temporary file in 64 KiB chunks, feeding each chunk to <paramref name="scanner"/>,
    /// and stops as soon as more than <paramref name="maxBytes"/> arrive (or are declared).
    /// </summary>
    /// <exception cref="PageRejectedException">Too large (<see cref="FailureKind.PageTooLarge"/>) or not JSON (<see cref="FailureKind.MalformedJson"/>).</exception>
    public static async Task<SpooledPage> SpoolAsync(
        Stream body, long? declaredLength, long maxBytes, JsonPageScanner scanner, CancellationToken cancellationToken, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(scanner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (declaredLength > maxBytes)
        {
            throw TooLarge($"the partner declares {declaredLength} bytes");
        }

        string path = Path.Combine(directory ?? Path.GetTempPath(), "page-" + Guid.NewGuid().ToString("N") + ".json");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    throw TooLarge($"more than {maxBytes} bytes arrived");
                }

                scanner.Feed(buffer.AsSpan(0, read), isFinal: false);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            scanner.Feed([], isFinal: true);
            await file.FlushAsync(cancellationToken);
            return new SpooledPage(file, length, scanner.Total, scanner.Cursor, scanner.ItemCount);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static PageRejectedException TooLarge(string what) =>
        new(new FetchFailure(FailureKind.PageTooLarge, null, string.Create(CultureInfo.InvariantCulture, $"the page is larger than maxPageBytes: {what}")));
}
