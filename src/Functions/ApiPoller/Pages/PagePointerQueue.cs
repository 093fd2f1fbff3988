using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.ApiPoller.Workflow;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// Sends page pointers to the work queue with SendMessageBatch (10 per request, SQS's limit), with the message
/// attributes <c>jobId</c>, <c>taskId</c> (<c>{jobId}/{page}</c>) and <c>source</c>. Entries SQS reports as failed
/// for its own reasons (not the sender's) are sent again, a few times with a short backoff; so is a request that failed
/// as a whole with a transient error once the SDK's own retries were spent (throttling, 5xx, a broken connection, a
/// timeout): the workflow does not retry a fetcher's function error (FetchBatch's Retry covers Lambda's service errors
/// only), so a page whose pointer is not sent here stays SAVED without a message and its job never completes. What still
/// fails is an exception.
/// </summary>
internal sealed class PagePointerQueue
{
    public const int MaxBatchSize = 10;
    private const int MaxSendAttempts = 3;

    private readonly IAmazonSQS _sqs;
    private readonly string _queueUrl;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public PagePointerQueue(IAmazonSQS sqs, string queueUrl, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentException.ThrowIfNullOrEmpty(queueUrl);
        _sqs = sqs;
        _queueUrl = queueUrl;
        _delay = delay ?? Task.Delay;
    }

    /// <summary>Sends every pointer; returns the number of SendMessageBatch requests made.</summary>
    /// <exception cref="InvalidOperationException">Some pointers could not be sent (the message lists their pages).</exception>
    public async Task<int> SendAsync(IReadOnlyList<PagePointer> pointers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pointers);
        int requests = 0;
        foreach (PagePointer[] chunk in pointers.Chunk(MaxBatchSize))
        {
            List<PagePointer> pending = [.. chunk];
            for (int attempt = 1; pending.Count > 0; attempt++)
            {
                requests++;
                SendMessageBatchResponse response;
                try
                {
                    response = await _sqs.SendMessageBatchAsync(new SendMessageBatchRequest(_queueUrl, pending.Select(Entry).ToList()), cancellationToken);
                }
                catch (Exception e) when (attempt < MaxSendAttempts && IsTransient(e, cancellationToken))
                {
                    // The same entries again (SQS may have stored some of them: a duplicate pointer is acknowledged by the consumer).
                    await _delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
                    continue;
                }

                if (response.Failed is not { Count: > 0 } failed)
                {
                    break;
                }

                bool senderFault = failed.Any(entry => entry.SenderFault == true);
                if (senderFault || attempt >= MaxSendAttempts)
                {
                    string detail = string.Join(", ", failed.Select(entry => $"page {entry.Id}: {entry.Code}"));
                    throw new InvalidOperationException($"SQS did not accept {failed.Count} page pointer(s) after {attempt} attempt(s): {detail}");
                }

                var retry = new HashSet<string>(failed.Select(entry => entry.Id), StringComparer.Ordinal);
                pending = pending.Where(pointer => retry.Contains(EntryId(pointer))).ToList();
                await _delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
        }

        return requests;
    }

    // Throttling, 5xx, a broken connection or a timeout; not the caller's cancellation, not a request SQS refuses (4xx).
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        AmazonServiceException service => (int)service.StatusCode is >= 500 or 0
            || service.ErrorCode is "RequestThrottled" or "ThrottlingException" or "Throttling" or "KmsThrottled",
        _ => e is HttpRequestException or IOException or TimeoutException or OperationCanceledException,
    };

    private static string EntryId(PagePointer pointer) => pointer.Page.ToString(CultureInfo.InvariantCulture);

    private static SendMessageBatchRequestEntry Entry(PagePointer pointer) => new()
    {
        Id = EntryId(pointer),
        MessageBody = JsonSerializer.Serialize(pointer, FetchJsonContext.Default.PagePointer),
        MessageAttributes = new Dictionary<string, MessageAttributeValue>(3)
        {
            ["jobId"] = new() { DataType = "String", StringValue = pointer.JobId },
            ["taskId"] = new() { DataType = "String", StringValue = pointer.TaskId },
            ["source"] = new() { DataType = "String", StringValue = pointer.Source },
        },
    };
}
