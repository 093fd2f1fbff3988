namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// A Cursor partner returned a cursor it had already returned: following it would fetch the same pages forever. The type
/// name is the error the workflow sees (<c>$.error.Error</c>); the message is the reason stored on the job.
/// </summary>
internal sealed class PartnerCursorLoopException(string reason) : Exception(reason);
