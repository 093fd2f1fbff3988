namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// A complete response was read but cannot be accepted (malformed JSON, too large): thrown by a body reader,
/// never retried. The message is the failure's code and detail, never response contents.
/// </summary>
internal sealed class PageRejectedException(FetchFailure failure) : Exception(failure.ToString())
{
    public FetchFailure Failure { get; } = failure;
}
