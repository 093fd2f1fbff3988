using System.Text;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class ContentSnifferTests
{
    public static TheoryData<byte[], string> Signatures => new()
    {
        { [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52], ContentSniffer.Png },
        { [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46], ContentSniffer.Jpeg },
        { [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 0x45, 0x78, 0x69, 0x66], ContentSniffer.Jpeg },
        { Ascii("GIF89a\x01\x00\x01\x00"), ContentSniffer.Gif },
        { Ascii("GIF87a\x01\x00\x01\x00"), ContentSniffer.Gif },
        { Ascii("RIFF\x24\x00\x00\x00WEBPVP8 "), ContentSniffer.WebP },
        { Ascii("%PDF-1.7\n%\xE2\xE3"), ContentSniffer.Pdf },
        { [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00], ContentSniffer.Zip },
        { [0x50, 0x4B, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00], ContentSniffer.Zip },
        { [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00], ContentSniffer.Gzip },
        { Encoding.UTF8.GetBytes("""{"name":"café","tags":["a","b"]}"""), ContentSniffer.Json },
        { Encoding.UTF8.GetBytes("  \n[1, 2, 3]\n"), ContentSniffer.Json },
        { [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"bom":true}""")], ContentSniffer.Json },
        { Encoding.UTF8.GetBytes("Hello, world!\r\nSecond line\twith tab 😀"), ContentSniffer.Text },
        { Encoding.UTF8.GetBytes("{ this is not json }"), ContentSniffer.Text },
        { Encoding.UTF8.GetBytes("{\"a\":1}{\"b\":2}"), ContentSniffer.Text },
        { Ascii("RIFF\x24\x00\x00\x00WAVEfmt "), ContentSniffer.Binary },
        { [0x00, 0x01, 0x02, 0x03], ContentSniffer.Binary },
        { [0x48, 0x69, 0xFF, 0x21], ContentSniffer.Binary },
        { Encoding.UTF8.GetBytes("text with a bell \a"), ContentSniffer.Binary },
        { [], ContentSniffer.Binary },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Detects_the_type_from_the_first_bytes(byte[] head, string expected)
    {
        ContentSniffer.Detect(head, isWholeObject: true).Should().Be(expected);
    }

    [Fact]
    public void A_character_cut_off_by_the_end_of_the_sample_still_counts_as_text()
    {
        byte[] head = Encoding.UTF8.GetBytes("price: 5€")[..^1];

        ContentSniffer.Detect(head, isWholeObject: false).Should().Be(ContentSniffer.Text);
        ContentSniffer.Detect(head, isWholeObject: true).Should().Be(ContentSniffer.Binary);
    }

    [Fact]
    public void JSON_cut_off_by_the_end_of_the_sample_is_still_JSON_but_not_when_it_is_the_whole_object()
    {
        byte[] head = Encoding.UTF8.GetBytes("""{"items":[{"id":1},{"id":2},{"i""");

        ContentSniffer.Detect(head, isWholeObject: false).Should().Be(ContentSniffer.Json);
        ContentSniffer.Detect(head, isWholeObject: true).Should().Be(ContentSniffer.Text);
    }

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);
}
