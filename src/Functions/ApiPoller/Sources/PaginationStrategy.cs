namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>How a source's pages are addressed (the <c>pagination</c> of a source in <c>API_POLLER_SOURCES</c>).</summary>
internal enum PaginationStrategy
{
    /// <summary><c>?page=n</c>: every page is known up front from the first page's total, so the job fans out.</summary>
    PageNumber,

    /// <summary><c>?offset=k&amp;limit=pageSize</c>: like <see cref="PageNumber"/>, the job fans out.</summary>
    OffsetLimit,

    /// <summary><c>?cursor=token</c> taken from the previous page: sequential by nature.</summary>
    Cursor,
}
