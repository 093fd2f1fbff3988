using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Detection;

public class DetectionRetryPolicyTests
{
    private static readonly DetectionRetryPolicy Policy = DetectionRetryPolicy.Default;

    [Fact]
    public void The_default_is_four_attempts_200_ms_base_and_a_5_s_cap()
    {
        Policy.Should().Be(new DetectionRetryPolicy(4, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(5, 3200)]
    [InlineData(6, 5000)]
    [InlineData(40, 5000)]
    public void The_ceiling_doubles_per_retry_up_to_the_cap(int retry, int milliseconds)
    {
        Policy.DelayCeiling(retry).Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Fact]
    public void Every_delay_lies_in_zero_to_the_ceiling()
    {
        var random = new Random(7);
        for (int retry = 1; retry <= 10; retry++)
        {
            for (int i = 0; i < 200; i++)
            {
                TimeSpan delay = Policy.Delay(retry, random.NextDouble());
                delay.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero).And.BeLessThan(Policy.DelayCeiling(retry));
            }
        }

        Policy.Delay(3, 0.5).Should().Be(TimeSpan.FromMilliseconds(400));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_random_outside_zero_to_one_is_refused(double unitRandom)
    {
        Action delay = () => Policy.Delay(1, unitRandom);

        delay.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Invalid_policies_are_refused()
    {
        Action zeroAttempts = () => (Policy with { MaxAttempts = 0 }).Validate();
        Action capBelowBase = () => (Policy with { MaxDelay = TimeSpan.FromMilliseconds(100) }).Validate();

        zeroAttempts.Should().Throw<ArgumentException>();
        capBelowBase.Should().Throw<ArgumentException>();
    }
}
