namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The input can never be processed as it is (malformed event, broken key, object that cannot be handled):
/// retrying would fail the same way, so it is never retried. It is set aside with its <see cref="Reason"/>
/// (a dead-letter queue or an on-failure destination) instead. Any other exception is treated as transient.
/// The reason must not contain object contents or secrets: it is logged and attached to the set-aside message.
/// As <see cref="IExpectedBadInput"/>, it is reported on <c>/error</c> without stack frames.
/// </summary>
public sealed class BadInputException : Exception, IExpectedBadInput
{
    public BadInputException(string reason)
        : base(reason)
    {
    }

    public BadInputException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }

    /// <summary>Why the input was rejected, in words fit for a log line and a message attribute.</summary>
    public string Reason => Message;
}
