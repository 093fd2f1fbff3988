using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class JsonPageScannerTests
{
    private const string Page = """{"items":[{"id":1,"next":"nested"},{"id":2,"total":99}],"meta":{"total":7,"next":"deep"},"total":42,"next":"abc\"def"}""";

    public static TheoryData<int> ChunkSizes => new() { 1, 2, 3, 7, 16, 64, 4096 };

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Captures_top_level_fields_whatever_the_chunk_boundaries(int chunkSize)
    {
        using JsonPageScanner scanner = Scan(Page, chunkSize, "total", "next");

        scanner.Total.Should().Be(42, "nested 'total' fields (in items and in meta) are not top-level");
        scanner.Cursor.Should().Be("abc\"def", "the escaped string is read whole even when a chunk ends inside it");
        scanner.ItemCount.Should().Be(2);
        scanner.BytesScanned.Should().Be(Encoding.UTF8.GetByteCount(Page));
    }

    [Fact]
    public void Counts_the_elements_of_a_top_level_array_not_their_children()
    {
        using JsonPageScanner scanner = Scan("""[{"a":[1,2,3]},[4,5],"x",null,7]""", 3);

        scanner.ItemCount.Should().Be(5);
        scanner.Total.Should().BeNull();
    }

    [Fact]
    public void An_items_property_inside_a_nested_object_is_not_counted()
    {
        using JsonPageScanner scanner = Scan("""{"data":{"items":[1,2,3]}}""", 5);

        scanner.ItemCount.Should().BeNull();
    }

    [Fact]
    public void A_property_value_equal_to_the_field_name_is_not_the_field()
    {
        using JsonPageScanner scanner = Scan("""{"a":"next","b":["total",1]}""", 4, "total", "next");

        scanner.Total.Should().BeNull();
        scanner.Cursor.Should().BeNull();
    }

    [Fact]
    public void A_null_cursor_marks_the_last_page()
    {
        using JsonPageScanner scanner = Scan("""{"items":[],"next":null}""", 8, cursorField: "next");

        scanner.Cursor.Should().BeNull();
        scanner.ItemCount.Should().Be(0);
    }

    [Theory]
    [InlineData("""{"items":[1,2""", "truncated")]
    [InlineData("""{"items":[1,2]} {}""", "two values")]
    [InlineData("""{"items":[1,2,]}""", "trailing comma")]
    [InlineData("""<html>oops</html>""", "not JSON at all")]
    [InlineData("", "empty")]
    [InlineData("   ", "only whitespace")]
    [InlineData("""{"total":"12"}""", "total is a string")]
    [InlineData("""{"total":-1}""", "total is negative")]
    [InlineData("""{"total":1.5}""", "total is not whole")]
    [InlineData("""{"next":42}""", "cursor is a number")]
    public void Malformed_pages_are_rejected_as_MalformedJson(string json, string because)
    {
        Action scan = () => Scan(json, 3, "total", "next").Dispose();

        scan.Should().Throw<PageRejectedException>(because).Which.Failure.Code.Should().Be("MalformedJson");
    }

    [Fact]
    public void The_rejection_message_names_a_position_never_the_contents()
    {
        Action scan = () => Scan("""{"secret":"s3cr3t-value" oops}""", 4).Dispose();

        string message = scan.Should().Throw<PageRejectedException>().Which.Message;
        message.Should().NotContain("s3cr3t").And.Contain("byte");
    }

    [Fact]
    public void A_token_longer_than_many_chunks_is_carried_until_complete()
    {
        string longCursor = new('c', 100_000);
        using JsonPageScanner scanner = Scan($$"""{"next":"{{longCursor}}","items":[1]}""", 1000, cursorField: "next");

        scanner.Cursor.Should().Be(longCursor);
    }

    public static TheoryData<string, string> MalformedText => new()
    {
        { """{"items":[{"name":"a\ud800b"}]}""", "a lone high surrogate escape in an item" },
        { """{"items":[{"name":"\udc00"}]}""", "a lone low surrogate escape in an item" },
        { """{"items":[{"name":"\udc00\ud800"}]}""", "surrogates in the wrong order" },
        { """{"items":[{"na\ud800me":1}]}""", "a lone surrogate in a property name" },
        { """{"items":[],"next":"\ud800"}""", "a lone surrogate in the cursor" },
        { """{"items":[],"next":"abc\udbff"}""", "a cursor ending in half a pair" },
        { "{\"items\":[{\"name\":\"a\u0001FFb\"}]}", "invalid UTF-8 in an item (0xFF)" },
        { "{\"items\":[],\"next\":\"\u0001C0\u0001AF\"}", "an overlong encoding in the cursor (0xC0 0xAF)" },
        { "{\"items\":[{\"name\":\"\u0001ED\u0001A0\u000180\"}]}", "an encoded surrogate (0xED 0xA0 0x80)" },
        { "{\"items\":[{\"n\u0001E9\":1}]}", "a truncated sequence in a property name" },
    };

    [Theory]
    [MemberData(nameof(MalformedText))]
    public void Malformed_text_is_rejected_as_MalformedJson_whatever_the_chunk_boundaries(string json, string because)
    {
        foreach (int chunkSize in new[] { 1, 5, 4096 })
        {
            Action scan = () => ScanBytes(Bytes(json), chunkSize, "total", "next").Dispose();

            PageRejectedException rejected = scan.Should().Throw<PageRejectedException>(because).Which;
            rejected.Failure.Code.Should().Be("MalformedJson");
            rejected.Failure.Retryable.Should().BeFalse("malformed text is the partner's data, not a transient failure");
        }
    }

    [Fact]
    public void Well_formed_text_outside_the_basic_plane_and_escaped_pairs_are_accepted()
    {
        using JsonPageScanner scanner = Scan("""{"items":[{"name":"😀 \ud83d\ude00 é \u00e9 日本"}],"next":"c\ud83d\ude00"}""", 3, cursorField: "next");

        scanner.Cursor.Should().Be("c😀");
        scanner.ItemCount.Should().Be(1);
    }

    // \u0001XX in the test data stands for the raw byte 0xXX, to write invalid UTF-8 in a C# string.
    private static byte[] Bytes(string json)
    {
        var bytes = new List<byte>();
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == 0x01)
            {
                bytes.Add(Convert.ToByte(Encoding.ASCII.GetString(utf8, i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(utf8[i]);
            }
        }

        return [.. bytes];
    }

    private static JsonPageScanner Scan(string json, int chunkSize, string? totalField = null, string? cursorField = null) =>
        ScanBytes(Encoding.UTF8.GetBytes(json), chunkSize, totalField, cursorField);

    private static JsonPageScanner ScanBytes(byte[] bytes, int chunkSize, string? totalField = null, string? cursorField = null)
    {
        var scanner = new JsonPageScanner(totalField, cursorField);
        try
        {
            for (int offset = 0; offset < bytes.Length; offset += chunkSize)
            {
                scanner.Feed(bytes.AsSpan(offset, Math.Min(chunkSize, bytes.Length - offset)), isFinal: false);
            }

            scanner.Feed([], isFinal: true);
            return scanner;
        }
        catch
        {
            scanner.Dispose();
            throw;
        }
    }
}
