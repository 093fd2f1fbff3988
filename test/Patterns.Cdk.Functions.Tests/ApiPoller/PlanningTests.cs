using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Workflow;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class PlanningTests
{
    [Theory]
    [InlineData(0, 100, 1_000_000, 0)]
    [InlineData(1, 100, 1_000_000, 1)]
    [InlineData(100, 100, 1_000_000, 1)]
    [InlineData(101, 100, 1_000_000, 2)]
    [InlineData(250, 100, 1_000_000, 3)]
    [InlineData(9_999_999_999, 100, 1_000_000, 1_000_000)]
    [InlineData(long.MaxValue, 1, 10_000_000, 10_000_000)]
    public void Pages_are_the_total_items_over_the_page_size_rounded_up_and_capped(long totalItems, int pageSize, int maxPages, int expected)
    {
        JobPlanner.PagesFor(totalItems, pageSize, maxPages).Should().Be(expected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(999)]
    [InlineData(12_345)]
    public async Task The_manifest_is_the_pages_as_a_json_array_of_the_predicted_size(int pages)
    {
        using var output = new MemoryStream();
        await PageManifest.WriteAsync(output, pages, CancellationToken.None);

        output.Length.Should().Be(PageManifest.ByteLength(pages));
        using JsonDocument manifest = JsonDocument.Parse(output.ToArray());
        manifest.RootElement.GetArrayLength().Should().Be(pages);
        manifest.RootElement.EnumerateArray().Select(item => item.GetProperty("page").GetInt32()).Should().Equal(Enumerable.Range(1, pages));
        Encoding.UTF8.GetString(output.ToArray()).Should().NotContain(" ", "compact JSON");
    }

    /// <summary>
    /// A 1,000,000-page job against the Step Functions quotas it meets (Distributed Map over an S3 JSON manifest):
    /// <list type="bullet">
    /// <item>Manifest: each item <c>{"page":N}</c> is 9 bytes + digits(N). Digits over 1..1,000,000:
    /// 9x1 + 90x2 + 900x3 + 9,000x4 + 90,000x5 + 900,000x6 + 1x7 = 5,888,896. Items: 9 x 1,000,000 + 5,888,896 = 14,888,896;
    /// commas 999,999; brackets 2. Total 15,888,897 bytes (15.2 MiB), far below the ItemReader's 10 GB limit for a
    /// JSON file in S3, and written as a stream: the planner never holds it.</item>
    /// <item>Items: 1,000,000 = totalPages, each a page of the plan, read by the Map itself (no payload carries them).</item>
    /// <item>Batches: ItemBatcher MaxItemsPerBatch 25 makes ceil(1,000,000 / 25) = 40,000 child executions (Express);
    /// their number is not capped, only their concurrency (MaxConcurrency = the source's maxConcurrency, at most 1,000,
    /// the Distributed Map allows 10,000).</item>
    /// <item>Batch input: 25 items of at most 16 bytes (<c>{"page":1000000}</c>) + 24 commas + BatchInput (jobId 32 hex,
    /// source name at most 63 characters) stays under 1 KiB, far below ItemBatcher's 256 KiB MaxInputBytesPerBatch and
    /// the 256 KiB payload quota.</item>
    /// <item>Parent history: the Map state writes a constant number of events whatever the item count (children run as
    /// their own executions), and its results go to S3 (ResultWriter) with ResultPath null: the parent stays at a few
    /// dozen events against the 25,000 limit, and its state at the plan (a few hundred bytes) against 256 KiB.</item>
    /// </list>
    /// </summary>
    [Fact]
    public async Task A_one_million_page_plan_stays_within_the_distributed_map_quotas()
    {
        const int Pages = 1_000_000;
        const int PagesPerBatch = FetchServices.DefaultPagesPerBatch;
        const long ItemReaderMaxJsonBytes = 10_000_000_000; // 10 GB
        const int MaxPayloadBytes = 256 * 1024;

        using var counter = new ScanningStream();
        await PageManifest.WriteAsync(counter, Pages, CancellationToken.None);
        counter.Scanner.Feed([], isFinal: true); // valid JSON, or this throws
        long batches = (Pages + PagesPerBatch - 1) / PagesPerBatch;
        byte[] largestBatch = JsonSerializer.SerializeToUtf8Bytes(
            new FetchBatchRequest
            {
                Items = Enumerable.Range(Pages - PagesPerBatch + 1, PagesPerBatch).Select(page => new PageItem { Page = page }).ToList(),
                BatchInput = new BatchInput { JobId = new string('f', 32), Source = new string('s', 63) },
            },
            FetchJsonContext.Default.FetchBatchRequest);
        byte[] plan = JsonSerializer.SerializeToUtf8Bytes(
            new JobPlan
            {
                JobId = new string('f', 32),
                Source = new string('s', 63),
                Mode = PlanModes.Fanout,
                TotalPages = Pages,
                ManifestBucket = new string('b', 63),
                ManifestKey = PageStore.ManifestKey(new string('f', 32)),
                MaxConcurrency = 1000,
                PagesPerBatch = PagesPerBatch,
            },
            FetchJsonContext.Default.JobPlan);

        PageManifest.ByteLength(Pages).Should().Be(15_888_897);
        counter.Length.Should().Be(15_888_897);
        counter.Length.Should().BeLessThan(ItemReaderMaxJsonBytes);
        counter.Scanner.ItemCount.Should().Be(Pages);
        batches.Should().Be(40_000);
        largestBatch.Length.Should().BeLessThan(1024).And.BeLessThan(MaxPayloadBytes);
        plan.Length.Should().BeLessThan(512);
        counter.LargestWrite.Should().BeLessThan(128 * 1024, "the manifest is written in small flushes, never built whole");
    }

    [Fact]
    public void The_time_box_starts_no_page_with_less_than_two_request_timeouts_left()
    {
        var clock = new SteppingClock(DateTimeOffset.UnixEpoch);
        var box = new TimeBox(clock, TimeSpan.FromSeconds(60));
        var timeout = TimeSpan.FromSeconds(10);

        box.End.Should().Be(DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(60) - TimeBox.FinishReserve);
        box.HasTimeForPage(timeout).Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(37));
        box.HasTimeForPage(timeout).Should().BeTrue("exactly 20 s are left");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        box.HasTimeForPage(timeout).Should().BeFalse();
    }

    /// <summary>Feeds every write to a <see cref="JsonPageScanner"/> (validating it and counting the items) and keeps nothing.</summary>
    private sealed class ScanningStream : Stream
    {
        private long _length;

        public JsonPageScanner Scanner { get; } = new();

        public int LargestWrite { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
            LargestWrite = Math.Max(LargestWrite, buffer.Length);
            Scanner.Feed(buffer, isFinal: false);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Scanner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
