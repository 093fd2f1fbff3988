namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>How the construct keeps the processor's own writes from triggering it again (env <c>STRATEGY</c>).</summary>
public enum Strategy
{
    /// <summary>Outputs go to another bucket (<c>OUTPUT_BUCKET</c>), which sends no notifications to the processor.</summary>
    SeparateBucket,

    /// <summary>Outputs go to the same bucket under <c>OUTPUT_PREFIX</c>, outside the notification's <c>INPUT_PREFIX</c> filter.</summary>
    KeyFilter,

    /// <summary>Outputs replace the input in place; only objects carrying the marker metadata are processed.</summary>
    ObjectMetadata,

    /// <summary>Outputs replace the input in place; a DynamoDB ledger of revisions feeds the processor through its stream.</summary>
    ProcessedLedger,
}
