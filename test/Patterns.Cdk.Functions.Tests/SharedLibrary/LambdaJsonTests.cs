using System.Text;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class LambdaJsonTests
{
    [Fact]
    public async Task ReadAllAsync_reads_the_rest_of_a_memory_stream_without_copying()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("xx{\"a\":1}");
        var input = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true) { Position = 2 };

        ReadOnlyMemory<byte> payload = await LambdaJson.ReadAllAsync(input);

        Encoding.UTF8.GetString(payload.Span).Should().Be("{\"a\":1}");
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out ArraySegment<byte> segment).Should().BeTrue();
        segment.Array.Should().BeSameAs(bytes);
    }

    [Fact]
    public async Task ReadAllAsync_reads_a_non_seekable_stream()
    {
        using var input = new BufferedStream(new MemoryStream(Encoding.UTF8.GetBytes("{\"Records\":[]}"), writable: false));

        ReadOnlyMemory<byte> payload = await LambdaJson.ReadAllAsync(input);

        Encoding.UTF8.GetString(payload.Span).Should().Be("{\"Records\":[]}");
    }

    [Fact]
    public async Task ReadAsync_turns_malformed_JSON_into_bad_input_with_the_position()
    {
        Func<Task> read = () => LambdaJson.ReadAsync(Samples.Utf8("{\"Records\": [ { \"eventName\": "), LambdaEventsJsonContext.Default.SqsEvent);

        (await read.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("not valid SqsEvent JSON").And.Contain("LineNumber");
    }

    [Fact]
    public async Task ReadAsync_rejects_an_empty_payload()
    {
        Func<Task> read = () => LambdaJson.ReadAsync(new MemoryStream(), LambdaEventsJsonContext.Default.SqsEvent);

        (await read.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("empty");
    }

    [Fact]
    public void Write_returns_a_stream_positioned_at_the_start()
    {
        using MemoryStream stream = LambdaJson.Write(
            new BatchResponse { BatchItemFailures = [new BatchItemFailure { ItemIdentifier = "m-1" }] },
            LambdaEventsJsonContext.Default.BatchResponse);

        stream.Position.Should().Be(0);
        Samples.ReadAll(stream).Should().Be("""{"batchItemFailures":[{"itemIdentifier":"m-1"}]}""");
    }
}

public class LambdaJsonMalformedTextTests
{
    [Theory]
    [InlineData("""{"Records":[{"messageId":"m1","body":"\ud800"}]}""")]
    [InlineData("""{"Records":[{"messageId":"m1","body":"ok\udc00"}]}""")]
    [InlineData("""{"Records":[{"messageId":"m\ud800","body":"ok"}]}""")]
    public void A_lone_surrogate_escape_is_bad_input_not_an_unclassified_failure(string json)
    {
        Action parse = () => LambdaJson.Parse(System.Text.Encoding.UTF8.GetBytes(json), LambdaEventsJsonContext.Default.SqsEvent);

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain("not valid SqsEvent JSON");
    }

    [Fact]
    public void Invalid_UTF8_is_bad_input()
    {
        byte[] json = [.. "{\"Records\":[{\"messageId\":\"m1\",\"body\":\""u8, 0xC0, 0xAF, .. "\"}]}"u8];

        Action parse = () => LambdaJson.Parse(json, LambdaEventsJsonContext.Default.SqsEvent);

        parse.Should().Throw<BadInputException>();
    }
}
