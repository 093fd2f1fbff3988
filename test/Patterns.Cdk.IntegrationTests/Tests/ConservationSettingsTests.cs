using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>The switches every conservation run shares (and the other data paths' runs read the same way).</summary>
public sealed class ConservationSettingsTests
{
    [Fact]
    public void Without_switches_the_run_is_short_seeded_and_at_the_default_rate()
    {
        ConservationSettings settings = ConservationSettings.From(_ => null);

        settings.Should().Be(new ConservationSettings(false, ConservationSettings.DefaultSeed, ConservationSettings.DefaultFaultRate));
        settings.Inputs(300, 3000).Should().Be(300);
        settings.FaultRate.Should().BeGreaterThanOrEqualTo(0.1, "the issue asks for faults on at least 10% of calls");
    }

    [Fact]
    public void The_switches_are_read_from_the_shared_variables_and_replay_names_them()
    {
        var variables = new Dictionary<string, string>
        {
            ["PATTERNS_CONSERVATION"] = "long",
            ["PATTERNS_CONSERVATION_SEED"] = "4711",
            ["PATTERNS_CONSERVATION_FAULT_RATE"] = "0.25",
        };

        ConservationSettings settings = ConservationSettings.From(variables.GetValueOrDefault);

        settings.Should().Be(new ConservationSettings(true, 4711, 0.25));
        settings.Inputs(300, 3000).Should().Be(3000);
        settings.Replay.Should().Be("PATTERNS_CONSERVATION_SEED=4711 PATTERNS_CONSERVATION_FAULT_RATE=0.25 PATTERNS_CONSERVATION=long");
    }

    [Theory]
    [InlineData("PATTERNS_CONSERVATION", "longer")]
    [InlineData("PATTERNS_CONSERVATION_SEED", "abc")]
    [InlineData("PATTERNS_CONSERVATION_FAULT_RATE", "1.5")]
    public void A_bad_value_fails_loudly_instead_of_running_something_else(string variable, string value)
    {
        FluentActions.Invoking(() => ConservationSettings.From(v => v == variable ? value : null))
            .Should().Throw<InvalidOperationException>().WithMessage($"*{variable}*");
    }
}
