using System.Diagnostics;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// Measures a page far larger than the S3 emulator accepts in one request: 64 MiB (a worst case for the scanner: 33 million one-digit items) from the fake partner over loopback
/// HTTP, validated and spooled to a temporary file by the fetchers' own download path. Memory must stay flat: the page is
/// never held, only a 64 KiB buffer and the token carried between chunks.
/// </summary>
public sealed class LargePageMeasurement(ITestOutputHelper output)
{
    [Fact]
    public async Task A_64_MiB_page_is_downloaded_and_validated_with_flat_memory()
    {
        const long PageBytes = 64L * 1024 * 1024;
        using var partner = new FakePartner(totalItems: 1);
        partner.Script(_ => FakePartnerBehavior.Huge(PageBytes));
        SourceDefinition source = SourceCatalog.Parse($$"""
            [{"name":"big","baseUrl":"{{partner.ItemsUrl}}","allowInsecureHttp":true,"pagination":"PageNumber","pageSize":1,
              "requestTimeoutSeconds":120,"maxPageBytes":{{PageBytes}}}]
            """).Get("big");
        using HttpClient http = PartnerClient.CreateHttpClient();
        var client = new PartnerClient(http, PartnerClientFactory.SettingsFor(source, null), PartnerTiming.System, new JsonLog(Stream.Null, _ => null, TimeProvider.System));

        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        await using SpooledPage page = await PageDownload.FetchAsync(client, source, PageUrlBuilder.ForPage(source, JobParameters.Empty, 1), null, CancellationToken.None);
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;

        page.Length.Should().Be(PageBytes);
        page.ItemCount.Should().Be((PageBytes - 1) / 2, "every item of [0,0,...,0] was seen by the streaming scanner");
        heapGrowth.Should().BeLessThan(4L * 1024 * 1024, "nothing of the page stays in memory");
        allocated.Should().BeLessThan(PageBytes / 8, "the page passes through a reused buffer, not through the heap");
        output.WriteLine($"MEASURED 64 MiB page: {clock.Elapsed.TotalSeconds:0.00} s ({PageBytes / 1048576.0 / clock.Elapsed.TotalSeconds:0} MiB/s) partner -> scanner -> /tmp; " +
            $"{allocated / 1048576.0:0.0} MiB allocated in total (both ends of the loopback HTTP included), managed heap grew by {heapGrowth / 1024.0:0} KiB");
    }
}
