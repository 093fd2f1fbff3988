using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class PageSpoolTests
{
    [Fact]
    public async Task Spools_the_page_to_a_file_that_is_deleted_on_dispose()
    {
        string directory = Directory.CreateTempSubdirectory("spool-").FullName;
        byte[] json = Encoding.UTF8.GetBytes("""{"total":3,"items":[1,2,3]}""");
        SpooledPage page = await SpooledPage.SpoolAsync(new MemoryStream(json), null, 1024, new JsonPageScanner("total"), CancellationToken.None, directory);

        page.Length.Should().Be(json.Length);
        page.Total.Should().Be(3);
        page.ItemCount.Should().Be(3);
        Directory.GetFiles(directory).Should().HaveCount(1);
        using (var copy = new MemoryStream())
        {
            await page.OpenRead().CopyToAsync(copy);
            copy.ToArray().Should().Equal(json);
        }

        await page.DisposeAsync();
        Directory.GetFiles(directory).Should().BeEmpty();
    }

    [Fact]
    public async Task Stops_reading_as_soon_as_the_limit_is_passed_and_leaves_no_file()
    {
        string directory = Directory.CreateTempSubdirectory("spool-").FullName;
        var endless = new CountingStream(totalBytes: 10_000_000);

        Func<Task> spool = () => SpooledPage.SpoolAsync(endless, null, 100_000, new JsonPageScanner(), CancellationToken.None, directory);

        (await spool.Should().ThrowAsync<PageRejectedException>()).Which.Failure.Code.Should().Be("PageTooLarge");
        endless.BytesRead.Should().BeLessThan(100_000 + (64 * 1024) + 1, "reading stops within one chunk of the limit");
        Directory.GetFiles(directory).Should().BeEmpty();
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_rejected_unread()
    {
        var body = new CountingStream(totalBytes: 10);

        Func<Task> spool = () => SpooledPage.SpoolAsync(body, 5000, 4096, new JsonPageScanner(), CancellationToken.None);

        (await spool.Should().ThrowAsync<PageRejectedException>()).Which.Failure.Kind.Should().Be(FailureKind.PageTooLarge);
        body.BytesRead.Should().Be(0);
    }

    [Fact]
    public async Task A_page_of_exactly_the_limit_is_accepted()
    {
        byte[] json = Encoding.UTF8.GetBytes("[1,2,3]");

        await using SpooledPage page = await SpooledPage.SpoolAsync(new MemoryStream(json), json.Length, json.Length, new JsonPageScanner(), CancellationToken.None);

        page.ItemCount.Should().Be(3);
    }

    /// <summary>An endless-looking body: a JSON array of zeros, counting what is read.</summary>
    private sealed class CountingStream(long totalBytes) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, totalBytes - BytesRead);
            for (int i = 0; i < n; i++)
            {
                long at = BytesRead + i;
                buffer[offset + i] = at == 0 ? (byte)'[' : at % 2 == 1 ? (byte)'0' : (byte)',';
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
