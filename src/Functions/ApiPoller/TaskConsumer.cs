using System.Globalization;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The work queue's consumer: for each page pointer, processes the saved page (the bundled example processing counts its
/// items; with <c>PROCESSOR_FUNCTION_ARN</c> the user's function is invoked synchronously with the pointer) and records the
/// page COMPLETED. A page already in a terminal state is a duplicate delivery: acknowledged, not processed again. A failure
/// is reported in the partial batch response, so only that message comes back; on its last receive
/// (<c>ApproximateReceiveCount &gt;= MAX_RECEIVE_COUNT</c>) the page is first recorded PROCESSING_FAILED, so the job's
/// counts are final, and the message is then sent to the dead-letter queue with the reason
/// (<c>retries exhausted after N receives: …</c>) by the shared <see cref="SqsBatchProcessor"/>; only when that send
/// fails does the queue's redrive policy move it, without a reason. A message that is not a pointer into the payload
/// bucket is bad input and goes to the dead-letter queue with its reason.
/// Handler string: <c>TaskConsumer</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class TaskConsumer
{
    public const string ProcessingFailedCode = "ProcessingFailed";

    private readonly ProgressStore _progress;
    private readonly IPageProcessor _processor;
    private readonly ConsumerSettings _settings;
    private readonly SqsBatchProcessor _batches;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the clients once.</summary>
    public TaskConsumer()
        : this(ConsumerSettings.FromEnvironment(Environment.GetEnvironmentVariable), JsonLog.CreateDefault())
    {
    }

    internal TaskConsumer(ProgressStore progress, IAmazonSQS sqs, IPageProcessor processor, ConsumerSettings settings, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        _progress = progress;
        _processor = processor;
        _settings = settings;
        _log = log;
        _batches = new SqsBatchProcessor(sqs, settings.DeadLetterQueueUrl, log, settings.MaxReceiveCount);
    }

    private TaskConsumer(ConsumerSettings settings, JsonLog log)
        : this(settings, log, RegionEndpoint.GetBySystemName(settings.Region))
    {
    }

    private TaskConsumer(ConsumerSettings settings, JsonLog log, RegionEndpoint region)
        : this(
            new ProgressStore(new AmazonDynamoDBClient(region), settings.Progress),
            new AmazonSQSClient(region),
            settings.ProcessorFunctionArn is { } arn
                ? LambdaPageProcessor.CreateDefault(settings.Region, arn, TimeSpan.FromMinutes(15))
                : new ItemCountingProcessor(new AmazonS3Client(region), log),
            settings,
            log)
    {
    }

    /// <summary>Handles one batch from the event source mapping and returns <c>{"batchItemFailures":[...]}</c>.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        SqsEvent batch = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.SqsEvent);
        BatchResponse response = await _batches.ProcessAsync(batch, ProcessMessageAsync);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.BatchResponse);
    });

    private async Task ProcessMessageAsync(SqsMessage message)
    {
        PagePointer page = ReadPointer(message);
        JsonLog log = _log.With(("messageId", message.MessageId), ("jobId", page.JobId), ("page", page.Page));
        try
        {
            // One conditional write both reads the page's state and makes sure it is at least ENQUEUED (the fetcher marks it
            // after sending; a fast consumer may get there first). A terminal page was handled by an earlier delivery.
            TaskMove check = await _progress.MoveTaskAsync(page.JobId, page.Page, TaskState.Saved, TaskState.Enqueued);
            TaskState current = check.Outcome == TaskMoveOutcome.Moved ? TaskState.Enqueued : check.Previous;
            if (current.IsTerminal())
            {
                log.Info("duplicate delivery of a finished page; acknowledged without processing", ("state", current.ToApiName()));
                return;
            }

            await _processor.ProcessAsync(page, CancellationToken.None);
            await _progress.MoveTaskAsync(page.JobId, page.Page, TaskState.Enqueued, TaskState.Completed);
        }
        catch (Exception e)
        {
            // On the last receive, whatever failed (the processor, or a progress write around it), the page is recorded
            // PROCESSING_FAILED before the message moves to the dead-letter queue, so the job's counts become final.
            int receiveCount = ReceiveCount(message);
            if (e is BadInputException || receiveCount >= _settings.MaxReceiveCount)
            {
                await RecordProcessingFailedAsync(page, e, receiveCount, log);
            }

            throw;
        }
    }

    private async Task RecordProcessingFailedAsync(PagePointer page, Exception failure, int receiveCount, JsonLog log)
    {
        try
        {
            await _progress.MoveTaskAsync(page.JobId, page.Page, TaskState.Enqueued, TaskState.ProcessingFailed, ProcessingFailedCode);
            log.Error("page processing failed for the last time; recorded as PROCESSING_FAILED", failure, ("receiveCount", receiveCount));
        }
        catch (Exception e)
        {
            // The message still fails (and moves to the dead-letter queue); the page stays ENQUEUED, which the logs name.
            log.Error("page processing failed for the last time and PROCESSING_FAILED could not be recorded; the page stays ENQUEUED", e, ("receiveCount", receiveCount), ("failure", failure.GetType().Name));
        }
    }

    private PagePointer ReadPointer(SqsMessage message)
    {
        PagePointer page = LambdaJson.Parse(message.Body, FetchJsonContext.Default.PagePointer);
        if (!JobIds.IsWellFormed(page.JobId) || page.Page < 1)
        {
            throw new BadInputException("the pointer's jobId or page is malformed");
        }

        if (!string.Equals(page.Bucket, _settings.PayloadBucket, StringComparison.Ordinal) || !string.Equals(page.Key, PageStore.PageKey(page.JobId, page.Page), StringComparison.Ordinal))
        {
            throw new BadInputException("the pointer does not point at this job's page in the payload bucket");
        }

        return page;
    }

    private static int ReceiveCount(SqsMessage message) =>
        int.TryParse(message.Attributes?.ApproximateReceiveCount, NumberStyles.None, CultureInfo.InvariantCulture, out int count) ? count : 1;
}
