using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>Fetches one page of a source into a <see cref="SpooledPage"/>: streamed, validated, bounded by <c>maxPageBytes</c>.</summary>
internal static class PageDownload
{
    /// <exception cref="PartnerFetchException">The page could not be fetched (classified).</exception>
    /// <exception cref="OutOfTimeException">Not enough time is left for another attempt.</exception>
    public static Task<SpooledPage> FetchAsync(
        PartnerClient client, SourceDefinition source, Uri uri, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(source);
        return client.FetchAsync(
            uri,
            async (body, declaredLength, token) =>
            {
                // A scanner per attempt: a retried attempt starts from a clean state.
                using var scanner = source.Pagination == PaginationStrategy.Cursor
                    ? new JsonPageScanner(cursorField: source.CursorField)
                    : new JsonPageScanner(totalField: source.TotalField);
                return await SpooledPage.SpoolAsync(body, declaredLength, source.MaxPageBytes, scanner, token);
            },
            deadline,
            cancellationToken);
    }
}
