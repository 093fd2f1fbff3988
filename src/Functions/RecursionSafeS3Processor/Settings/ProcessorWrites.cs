using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// Recognises objects written by the processor itself. S3 puts the writer's identity in the event
/// (<c>userIdentity.principalId</c>, <c>AWS:&lt;role unique id&gt;:&lt;session&gt;</c> for a Lambda role), so a
/// write by the processor's role is an output, never an original, without reading the object.
/// </summary>
public static class ProcessorWrites
{
    /// <summary>True when <paramref name="record"/> was written by the role whose unique id is <paramref name="processorRoleId"/>.</summary>
    public static bool IsWrittenBy(S3EventRecord record, string? processorRoleId)
    {
        ArgumentNullException.ThrowIfNull(record);
        return !string.IsNullOrEmpty(processorRoleId)
            && record.UserIdentity?.PrincipalId?.Contains(processorRoleId, StringComparison.Ordinal) == true;
    }
}
