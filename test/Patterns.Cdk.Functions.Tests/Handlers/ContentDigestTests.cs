using System.Security.Cryptography;
using System.Text;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class ContentDigestTests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")]
    public async Task Computes_the_SHA256_of_known_inputs(string text, string expectedHex)
    {
        ContentStamp stamp = await ContentDigest.ComputeAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        stamp.Sha256.Should().Be(expectedHex);
        stamp.Length.Should().Be(text.Length);
    }

    [Fact]
    public async Task A_zero_byte_object_is_valid()
    {
        ContentStamp stamp = await ContentDigest.ComputeAsync(new MemoryStream());

        stamp.Should().Be(new ContentStamp("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ContentSniffer.Binary, 0));
    }

    [Fact]
    public async Task A_large_object_arriving_in_small_reads_is_hashed_whole_and_sniffed_from_its_start()
    {
        byte[] content = new byte[300_000];
        new Random(42).NextBytes(content);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        png.CopyTo(content, 0);

        ContentStamp stamp = await ContentDigest.ComputeAsync(new TrickleStream(content, maxRead: 7));

        stamp.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(content)));
        stamp.DetectedType.Should().Be(ContentSniffer.Png);
        stamp.Length.Should().Be(content.Length);
    }

    [Fact]
    public async Task A_short_text_object_is_sniffed_as_a_whole()
    {
        ContentStamp stamp = await ContentDigest.ComputeAsync(new MemoryStream(Encoding.UTF8.GetBytes("""{"ok":true}""")));

        stamp.DetectedType.Should().Be(ContentSniffer.Json);
    }

    /// <summary>A network-like stream that returns at most a few bytes per read.</summary>
    private sealed class TrickleStream(byte[] content, int maxRead) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxRead));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
    }
}
