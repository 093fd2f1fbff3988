namespace Patterns.Cdk.RecursionSafeS3Processor;

/// <summary>How a <see cref="RecursionSafeS3Processor"/> keeps its own output from triggering it again.</summary>
public enum ProcessingStrategy
{
    /// <summary>
    /// Output goes to a second bucket that has no notification at all. The loop is impossible by construction.
    /// One processor invocation per upload, nothing for outputs. The default and the preferred design.
    /// </summary>
    SeparateBucket,

    /// <summary>
    /// One bucket; only keys under <c>InputPrefix</c> (and ending in <c>InputSuffix</c>) notify, and output is
    /// written under a non-overlapping <c>OutputPrefix</c>, keeping the rest of the key path. Outputs cost nothing.
    /// </summary>
    KeyFilter,

    /// <summary>
    /// One bucket, same key (in place). Only objects uploaded with the marker metadata (<c>x-amz-meta-original: true</c>
    /// by default) are processed; a bundled guard checks it with HeadObject and the output is written without it.
    /// </summary>
    ObjectMetadata,

    /// <summary>
    /// One bucket, same key (in place), no cooperation from uploaders. A bundled recorder writes each new object
    /// revision (bucket + key + version id or ETag) to a DynamoDB ledger with a conditional put; only new ledger
    /// items reach the processor (stream filter), writes made by the processor's own role are never recorded, and
    /// duplicate deliveries are absorbed by the condition.
    /// </summary>
    ProcessedLedger,
}
