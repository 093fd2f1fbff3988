using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.Jpeg;

public sealed class OptimalHuffmanCodeTests
{
    [Fact]
    public void Frequent_symbols_get_short_codes_and_every_symbol_gets_one()
    {
        var frequencies = new long[256];
        frequencies[0x00] = 1000;
        frequencies[0x01] = 500;
        frequencies[0x11] = 250;
        frequencies[0xF0] = 3;

        var spec = OptimalHuffmanCode.Build(frequencies);

        spec.Symbols.Should().Equal(0x00, 0x01, 0x11, 0xF0);
        spec.CountsByLength[..4].Should().Equal(1, 1, 1, 1);
        spec.AssignCodes(out int[] codes, out _).Should().BeTrue("the all-ones code stays reserved");
        codes.Should().Equal(0b0, 0b10, 0b110, 0b1110);
    }

    [Fact]
    public void A_single_symbol_still_gets_a_one_bit_code()
    {
        var frequencies = new long[256];
        frequencies[0x05] = 42;

        var spec = OptimalHuffmanCode.Build(frequencies);

        spec.Symbols.Should().Equal(0x05);
        spec.CountsByLength[0].Should().Be(1);
        spec.AssignCodes(out _, out _).Should().BeTrue();
    }

    [Fact]
    public void Code_lengths_are_limited_to_sixteen_bits()
    {
        // Fibonacci frequencies make the most skewed tree: without the limit the rarest symbols would need 40 bits.
        var frequencies = new long[256];
        long a = 1, b = 1;
        for (int symbol = 0; symbol < 40; symbol++)
        {
            frequencies[symbol] = a;
            (a, b) = (b, a + b);
        }

        var spec = OptimalHuffmanCode.Build(frequencies);

        spec.Symbols.Should().HaveCount(40).And.OnlyHaveUniqueItems();
        spec.AssignCodes(out _, out byte[] lengths).Should().BeTrue();
        lengths.Max().Should().BeLessThanOrEqualTo(16);
        lengths.Sum(l => Math.Pow(2, -l)).Should().BeLessThan(1, "a prefix code with the all-ones code unused");
        // K.3 keeps the order of K.1's depths, where equally deep symbols are ordered by value: only the rarest
        // symbols are reshuffled, the most frequent keeps the shortest code.
        lengths[Array.IndexOf(spec.Symbols, (byte)39)].Should().Be(lengths.Min());
    }
}
