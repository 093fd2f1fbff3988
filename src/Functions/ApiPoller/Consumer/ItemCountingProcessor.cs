using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Consumer;

/// <summary>
/// The bundled example processing: streams the page object from S3 through <see cref="JsonPageScanner"/> and logs how
/// many items it holds (the elements of a top-level array, or of a top-level <c>items</c> array). It never holds the page
/// and never logs its contents. Replace it with your own function (<c>PROCESSOR_FUNCTION_ARN</c>) to do real work.
/// </summary>
internal sealed class ItemCountingProcessor(IAmazonS3 s3, JsonLog log) : IPageProcessor
{
    public async Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        using GetObjectResponse response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = page.Bucket, Key = page.Key }, cancellationToken);
        using var scanner = new JsonPageScanner();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await response.ResponseStream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                scanner.Feed(buffer.AsSpan(0, read), isFinal: false);
            }

            scanner.Feed([], isFinal: true);
        }
        catch (PageRejectedException e)
        {
            // The fetcher validated the page before saving it: a page that is not JSON now was replaced by someone else.
            throw new BadInputException($"the saved page {page.Key} is not valid JSON: {e.Failure.Detail}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        log.Info(
            "page processed",
            ("jobId", page.JobId),
            ("page", page.Page),
            ("bytes", scanner.BytesScanned),
            ("items", scanner.ItemCount ?? 0),
            ("itemsFound", scanner.ItemCount is null ? "no top-level array nor items array" : "yes"));
    }
}
