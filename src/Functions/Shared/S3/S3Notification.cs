namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// A parsed S3 notification payload: either event records or the one-off <see cref="S3TestEvent"/>.
/// Anything else (malformed JSON, no records, a record without bucket or key) is bad input.
/// </summary>
public sealed class S3Notification
{
    private S3Notification(IReadOnlyList<S3EventRecord> records, S3TestEvent? testEvent)
    {
        Records = records;
        TestEvent = testEvent;
    }

    /// <summary>The event records; empty for a test event.</summary>
    public IReadOnlyList<S3EventRecord> Records { get; }

    public S3TestEvent? TestEvent { get; }

    public bool IsTestEvent => TestEvent is not null;

    /// <summary>
    /// The records to act on: none for the one-off test event S3 sends when a notification is configured, which is
    /// logged at Info instead.
    /// </summary>
    public IReadOnlyList<S3EventRecord> RecordsToProcess(JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (TestEvent is { } testEvent)
        {
            log.Info("S3 test event; nothing to process", ("bucket", testEvent.Bucket));
        }

        return Records;
    }

    /// <exception cref="BadInputException">The payload is not an S3 notification.</exception>
    public static S3Notification Parse(ReadOnlySpan<byte> utf8Json)
    {
        S3Event s3Event = LambdaJson.Parse(utf8Json, LambdaEventsJsonContext.Default.S3Event);
        return s3Event.Records is null
            ? FromTestEvent(LambdaJson.Parse(utf8Json, LambdaEventsJsonContext.Default.S3TestEvent))
            : FromRecords(s3Event.Records);
    }

    /// <exception cref="BadInputException">The payload is not an S3 notification.</exception>
    public static S3Notification Parse(string json)
    {
        S3Event s3Event = LambdaJson.Parse(json, LambdaEventsJsonContext.Default.S3Event);
        return s3Event.Records is null
            ? FromTestEvent(LambdaJson.Parse(json, LambdaEventsJsonContext.Default.S3TestEvent))
            : FromRecords(s3Event.Records);
    }

    private static S3Notification FromRecords(IReadOnlyList<S3EventRecord> records) =>
        records.Count > 0
            ? new S3Notification(records, testEvent: null)
            : throw new BadInputException("the S3 notification has an empty Records array");

    private static S3Notification FromTestEvent(S3TestEvent testEvent) =>
        testEvent.IsTestEvent
            ? new S3Notification([], testEvent)
            : throw new BadInputException("the payload is neither an S3 event notification (no Records) nor an S3 test event");
}
