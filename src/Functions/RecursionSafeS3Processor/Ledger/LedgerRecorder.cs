using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// Entry point of the <see cref="Strategy.ProcessedLedger"/> recorder, invoked asynchronously by S3 for every new object.
/// Each new revision is put once into the ledger table (conditional put), whose stream feeds the processor. Objects
/// written by the processor's own role are not recorded: that is what ends the loop for in-place outputs, while a
/// re-upload by anyone else is still recorded and processed. A duplicate delivery fails the condition and is skipped.
/// Handler string: <c>LedgerRecorder</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class LedgerRecorder
{
    private const string NewRevisionOnly = "attribute_not_exists(" + LedgerItem.ObjectId + ")";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly LedgerSettings _settings;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS client once.</summary>
    public LedgerRecorder()
        : this(LedgerSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public LedgerRecorder(IAmazonDynamoDB dynamoDb, LedgerSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(settings);
        _dynamoDb = dynamoDb;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    private LedgerRecorder(LedgerSettings settings)
        : this(AwsClients.CreateDynamoDb(), settings)
    {
    }

    /// <summary>Handles one S3 event notification. Throws on bad input or transient failure, so Lambda retries and then uses the on-failure destination.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, () => RecordAsync(input));

    private async Task<Stream> RecordAsync(Stream input)
    {
        S3Notification notification = S3Notification.Parse((await LambdaJson.ReadAllAsync(input)).Span);
        if (notification.TestEvent is { } testEvent)
        {
            _log.Info("S3 test event; nothing to record", ("bucket", testEvent.Bucket));
            return Stream.Null;
        }

        foreach ((S3EventRecord record, S3ObjectRef target) in _settings.Scope.Select(notification.Records, _log))
        {
            await RecordAsync(record, target);
        }

        return Stream.Null;
    }

    private async Task RecordAsync(S3EventRecord record, S3ObjectRef target)
    {
        JsonLog log = _log.With(("bucket", target.Bucket), ("key", target.Key), ("versionId", target.VersionId), ("eTag", target.ETag));
        if (IsWrittenByProcessor(record))
        {
            log.Info("written by the processor; not recorded");
            return;
        }

        var request = new PutItemRequest
        {
            TableName = _settings.TableName,
            Item = LedgerItem.Create(target, record.S3.Object, _clock.GetUtcNow(), _settings.TtlSeconds),
            ConditionExpression = NewRevisionOnly,
        };
        try
        {
            await _dynamoDb.PutItemAsync(request);
            log.Info("new revision recorded for processing");
        }
        catch (ConditionalCheckFailedException)
        {
            log.Info("revision already recorded (duplicate delivery); skipped");
        }
    }

    private bool IsWrittenByProcessor(S3EventRecord record) => ProcessorWrites.IsWrittenBy(record, _settings.ProcessorRoleId);
}
