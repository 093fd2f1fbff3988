using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class SettingsReaderTests
{
    private enum Color
    {
        Red,
        Blue,
    }

    [Fact]
    public void Reads_valid_values()
    {
        var reader = new SettingsReader(Env.Of(("A", "x"), ("N", "300"), ("C", "Blue")));

        reader.Required("A").Should().Be("x");
        reader.Optional("MISSING", "fallback").Should().Be("fallback");
        reader.PositiveInt32("N").Should().Be(300);
        reader.OneOf<Color>("C").Should().Be(Color.Blue);
        reader.Invoking(r => r.ThrowIfInvalid("Thing")).Should().NotThrow();
    }

    [Fact]
    public void Lists_every_problem_in_one_message()
    {
        var reader = new SettingsReader(Env.Of(("BLANK", "  "), ("N", "-5"), ("M", "1e3"), ("C", "1"), ("D", "blue")));

        reader.Required("A");
        reader.Required("BLANK");
        reader.PositiveInt32("N");
        reader.PositiveInt32("M");
        reader.OneOf<Color>("C");
        reader.OneOf<Color>("D");

        reader.Invoking(r => r.ThrowIfInvalid("Thing")).Should().Throw<InvalidOperationException>().WithMessage(
            "Thing is misconfigured: A is required but not set; BLANK is required but not set; "
            + "N must be a whole number greater than zero (got '-5'); M must be a whole number greater than zero (got '1e3'); "
            + "C must be one of Red, Blue (got '1'); D must be one of Red, Blue (got 'blue').");
    }

    [Fact]
    public void An_optional_positive_number_is_null_when_unset_or_empty_and_checked_when_set()
    {
        var reader = new SettingsReader(Env.Of(("N", "5"), ("EMPTY", ""), ("ZERO", "0"), ("WORD", "five")));

        reader.OptionalPositiveInt32("N").Should().Be(5);
        reader.OptionalPositiveInt32("MISSING").Should().BeNull();
        reader.OptionalPositiveInt32("EMPTY").Should().BeNull();
        reader.OptionalPositiveInt32("ZERO").Should().BeNull();
        reader.OptionalPositiveInt32("WORD").Should().BeNull();

        reader.Invoking(r => r.ThrowIfInvalid("Thing")).Should().Throw<InvalidOperationException>().WithMessage(
            "Thing is misconfigured: ZERO must be a whole number greater than zero (got '0'); WORD must be a whole number greater than zero (got 'five').");
    }
}
