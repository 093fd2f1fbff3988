using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// Records what happens to each fetched page, in the contract's order: the page is put in S3 and marked SAVED; its
/// pointer waits in a batch of up to ten, which goes to the work queue in one SendMessageBatch, and then each page of the
/// batch is marked ENQUEUED. A page that fails is marked FETCH_FAILED with its failure code. Every transition is the
/// progress store's monotonic one, so a page fetched again by a retried invocation is counted once, and a page already
/// ENQUEUED (or further) is not enqueued a second time. Call <see cref="FlushAsync"/> before the invocation returns.
/// </summary>
internal sealed class PageSaver(PageStore store, PagePointerQueue queue, ProgressStore progress, JsonLog log)
{
    private readonly List<PagePointer> _pending = new(PagePointerQueue.MaxBatchSize);

    public int Saved { get; private set; }

    public int Failed { get; private set; }

    public int SendRequests { get; private set; }

    public async Task SaveAsync(string jobId, string source, int page, SpooledPage spooled, CancellationToken cancellationToken)
    {
        PagePointer pointer = await store.PutPageAsync(jobId, source, page, spooled, cancellationToken);
        TaskMove move = await progress.MoveTaskAsync(jobId, page, TaskState.Planned, TaskState.Saved, cancellationToken: cancellationToken);
        Saved++;
        if (move.Outcome == TaskMoveOutcome.AlreadyAtOrPast && move.Previous.Rank() >= TaskState.Enqueued.Rank())
        {
            log.Info("page fetched again but already enqueued; not enqueued twice", ("page", page), ("state", move.Previous.ToApiName()));
            return;
        }

        _pending.Add(pointer);
        if (_pending.Count == PagePointerQueue.MaxBatchSize)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async Task RecordFailureAsync(string jobId, int page, PartnerFetchException failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        await progress.MoveTaskAsync(jobId, page, TaskState.Planned, TaskState.FetchFailed, failure.Failure.Code, cancellationToken);
        Failed++;
        log.Warn("page not fetched; recorded as FETCH_FAILED", ("page", page), ("failure", failure.Failure.Code), ("attempts", failure.Attempts), ("detail", failure.Failure.Detail));
    }

    /// <summary>
    /// Called when the invocation is about to fail: the pages saved so far still get their pointers sent, so none stays
    /// SAVED without a message when the failure is not retried (bad input). A failure of this flush is logged, and the
    /// caller rethrows its own exception (the pages then stay SAVED, and a retried invocation enqueues them).
    /// </summary>
    public async Task FlushBeforeFailingAsync(Exception failure)
    {
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            log.Error("could not enqueue the pages saved before the failure; they stay SAVED", e, ("pending", _pending.Count), ("failure", failure.GetType().Name));
        }
    }

    /// <summary>Sends the waiting pointers and marks their pages ENQUEUED.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        SendRequests += await queue.SendAsync(_pending, cancellationToken);
        foreach (PagePointer pointer in _pending)
        {
            await progress.MoveTaskAsync(pointer.JobId, pointer.Page, TaskState.Saved, TaskState.Enqueued, cancellationToken: cancellationToken);
        }

        _pending.Clear();
    }
}
