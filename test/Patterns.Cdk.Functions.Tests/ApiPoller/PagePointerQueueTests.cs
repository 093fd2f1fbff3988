using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using FluentAssertions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Xunit;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>
/// The fetchers' pointer sender. A SendMessageBatch that fails as a whole once the SDK's own retries are spent is sent
/// again: the workflow does not retry a fetcher's function error, so a pointer not sent here would leave its page SAVED
/// without a message, and the job never complete (found by the ApiPoller conservation run, seed 15, long mode: four
/// pages of one job stuck SAVED after an SQS outage at the batch's final flush).
/// </summary>
public class PagePointerQueueTests
{
    private const string QueueUrl = "https://sqs.us-east-1.amazonaws.com/111122223333/work";

    private static readonly PagePointer[] Pointers =
    [
        new() { JobId = "0123456789abcdef0123456789abcdef", Source = "orders", Page = 1, Bucket = "payloads", Key = "jobs/0123456789abcdef0123456789abcdef/pages/1.json", Bytes = 10 },
        new() { JobId = "0123456789abcdef0123456789abcdef", Source = "orders", Page = 2, Bucket = "payloads", Key = "jobs/0123456789abcdef0123456789abcdef/pages/2.json", Bytes = 12 },
    ];

    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly List<TimeSpan> _waits = [];

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.InternalServerError, "InternalFailure")]
    [InlineData(HttpStatusCode.BadRequest, "RequestThrottled")]
    public async Task A_request_that_failed_as_a_whole_with_a_transient_error_is_sent_again(HttpStatusCode status, string code)
    {
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .Returns(
                _ => throw new AmazonSQSException("failed", ErrorType.Receiver, code, "r1", status),
                _ => throw new AmazonSQSException("failed", ErrorType.Receiver, code, "r2", status),
                _ => Task.FromResult(new SendMessageBatchResponse { Successful = [new() { Id = "1" }, new() { Id = "2" }] }));

        int requests = await Queue().SendAsync(Pointers, CancellationToken.None);

        requests.Should().Be(3);
        _waits.Should().Equal(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        await _sqs.Received(3).SendMessageBatchAsync(
            Arg.Is<SendMessageBatchRequest>(r => r.QueueUrl == QueueUrl && r.Entries.Count == 2 && r.Entries[0].Id == "1" && r.Entries[1].Id == "2"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_broken_connection_is_sent_again_too()
    {
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .Returns(
                _ => throw new HttpRequestException("reset", new IOException("Connection reset by peer")),
                _ => Task.FromResult(new SendMessageBatchResponse { Successful = [new() { Id = "1" }, new() { Id = "2" }] }));

        (await Queue().SendAsync(Pointers, CancellationToken.None)).Should().Be(2);
    }

    [Fact]
    public async Task After_three_failed_requests_the_error_is_thrown()
    {
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new AmazonSQSException("down", ErrorType.Receiver, "ServiceUnavailable", "r", HttpStatusCode.ServiceUnavailable));

        Func<Task> send = () => Queue().SendAsync(Pointers, CancellationToken.None);

        await send.Should().ThrowAsync<AmazonSQSException>();
        await _sqs.Received(3).SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.BadRequest, "AWS.SimpleQueueService.NonExistentQueue")]
    public async Task A_request_SQS_refuses_is_not_sent_again(HttpStatusCode status, string code)
    {
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new AmazonSQSException("refused", ErrorType.Sender, code, "r", status));

        Func<Task> send = () => Queue().SendAsync(Pointers, CancellationToken.None);

        await send.Should().ThrowAsync<AmazonSQSException>();
        await _sqs.Received(1).SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_retried()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new OperationCanceledException(cancelled.Token));

        Func<Task> send = () => Queue().SendAsync(Pointers, cancelled.Token);

        await send.Should().ThrowAsync<OperationCanceledException>();
        await _sqs.Received(1).SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>());
    }

    private PagePointerQueue Queue() => new(_sqs, QueueUrl, (wait, _) =>
    {
        _waits.Add(wait);
        return Task.CompletedTask;
    });
}
