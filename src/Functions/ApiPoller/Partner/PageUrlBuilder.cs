using System.Globalization;
using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// Builds the URL of a page from the source's configured base URL (callers never supply a URL: no request forgery)
/// and the job's validated parameters, appended as URL-encoded query parameters, then the pagination parameters:
/// <list type="bullet">
/// <item>PageNumber: <c>{pageParameter}={firstPage + page - 1}</c> and, when configured, <c>{pageSizeParameter}={pageSize}</c>;</item>
/// <item>OffsetLimit: <c>{offsetParameter}={(page - 1) * pageSize}&amp;{limitParameter}={pageSize}</c>;</item>
/// <item>Cursor: <c>{cursorParameter}={cursor}</c>, absent on the first page.</item>
/// </list>
/// Task pages are numbered from 1 whatever the partner's first page number. The source validator keeps job parameter
/// names apart from the pagination parameters, so neither can override the other.
/// </summary>
internal static class PageUrlBuilder
{
    /// <summary>The URL of page <paramref name="page"/> (from 1) of a PageNumber or OffsetLimit source.</summary>
    public static Uri ForPage(SourceDefinition source, JobParameters parameters, int page)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        var query = new List<KeyValuePair<string, string>>(2);
        switch (source.Pagination)
        {
            case PaginationStrategy.PageNumber:
                query.Add(new(source.PageParameter, Number(source.FirstPage + (long)page - 1)));
                if (source.PageSizeParameter is { } pageSizeParameter)
                {
                    query.Add(new(pageSizeParameter, Number(source.PageSize)));
                }

                break;
            case PaginationStrategy.OffsetLimit:
                query.Add(new(source.OffsetParameter, Number((page - 1L) * source.PageSize)));
                query.Add(new(source.LimitParameter, Number(source.PageSize)));
                break;
            default:
                throw new ArgumentException($"source '{source.Name}' pages by cursor, not by number", nameof(source));
        }

        return Build(source, parameters, query);
    }

    /// <summary>The URL of the page a cursor points at (null: the first page) of a Cursor source.</summary>
    public static Uri ForCursor(SourceDefinition source, JobParameters parameters, string? cursor)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Pagination != PaginationStrategy.Cursor)
        {
            throw new ArgumentException($"source '{source.Name}' pages by number, not by cursor", nameof(source));
        }

        return Build(source, parameters, string.IsNullOrEmpty(cursor) ? [] : [new(source.CursorParameter, cursor)]);
    }

    private static Uri Build(SourceDefinition source, JobParameters parameters, IEnumerable<KeyValuePair<string, string>> paging)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var uri = new UriBuilder(source.BaseUri);
        var query = new StringBuilder(uri.Query.TrimStart('?'));
        foreach ((string name, string value) in parameters.Values.Concat(paging))
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        uri.Query = query.ToString();
        return uri.Uri;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
