using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class S3ObjectKeyTests
{
    [Theory]
    [InlineData("incoming/report.pdf", "incoming/report.pdf")]
    [InlineData("incoming/my+holiday+photo.jpg", "incoming/my holiday photo.jpg")]
    [InlineData("incoming/a%2Bb.txt", "incoming/a+b.txt")]
    [InlineData("incoming/1%2B1+%3D+2.txt", "incoming/1+1 = 2.txt")]
    [InlineData("incoming/caf%C3%A9.txt", "incoming/café.txt")]
    [InlineData("incoming/caf%c3%a9.txt", "incoming/café.txt")]
    [InlineData("incoming/%F0%9F%98%80.png", "incoming/😀.png")]
    [InlineData("incoming/%E6%97%A5%E6%9C%AC/%E8%AA%9E.txt", "incoming/日本/語.txt")]
    [InlineData("incoming/100%25.txt", "incoming/100%.txt")]
    [InlineData("incoming/folder%2Fnested.txt", "incoming/folder/nested.txt")]
    [InlineData("incoming/naïve+ünïcode.txt", "incoming/naïve ünïcode.txt")]
    public void Decode_reverses_S3_form_encoding(string raw, string expected)
    {
        S3ObjectKey.Decode(raw).Should().Be(expected);
    }

    [Fact]
    public void Decode_returns_the_same_string_when_nothing_is_encoded()
    {
        const string raw = "incoming/plain-key_1.txt";

        S3ObjectKey.Decode(raw).Should().BeSameAs(raw);
    }

    [Theory]
    [InlineData("incoming/%ZZ.txt")]
    [InlineData("incoming/%2")]
    [InlineData("incoming/%")]
    [InlineData("incoming/%+1.txt")]
    [InlineData("incoming/% 1.txt")]
    public void Decode_rejects_malformed_percent_sequences(string raw)
    {
        Action decode = () => S3ObjectKey.Decode(raw);

        decode.Should().Throw<BadInputException>().Which.Reason.Should().Contain("malformed percent-encoding");
    }

    [Theory]
    [InlineData("incoming/%C3.txt")]
    [InlineData("incoming/%FF%FE.txt")]
    [InlineData("incoming/%ED%A0%80.txt")]
    public void Decode_rejects_bytes_that_are_not_UTF8(string raw)
    {
        Action decode = () => S3ObjectKey.Decode(raw);

        decode.Should().Throw<BadInputException>().Which.Reason.Should().Contain("not valid UTF-8");
    }

    [Fact]
    public void Decode_rejects_an_empty_key()
    {
        Action decode = () => S3ObjectKey.Decode("");

        decode.Should().Throw<BadInputException>().Which.Reason.Should().Contain("empty");
    }
}
