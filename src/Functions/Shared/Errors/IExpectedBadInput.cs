namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Marks an exception as expected, classified bad input: the invocation's input can never work as it is, and the
/// exception's message says what is wrong with it. The runtime loop reports such an exception on <c>/error</c> with
/// an empty <c>stackTrace</c> (<see cref="RuntimeSupportStandIn.ErrorReport.From"/>): its frames say nothing the message
/// does not, and formatting a first stack trace in a Native AOT process costs about 5 ms (tools/coldstart/README.md).
/// Any other exception is unexpected and keeps its frames. Carried by <see cref="BadInputException"/> and
/// MwaaScheduler's <c>BadInput</c>.
/// </summary>
public interface IExpectedBadInput
{
    /// <summary>What is wrong with the input, in words fit for a log line and the <c>/error</c> report (no contents, no secrets).</summary>
    string Reason { get; }
}
