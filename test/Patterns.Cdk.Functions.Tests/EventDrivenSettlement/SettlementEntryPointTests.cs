using System.Text.Json;
using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Tests.Handlers;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>
/// The parameterless constructors are what the bootstrap calls: they read the environment (the same variables a
/// user's container reads) and create the clients once. The payloads here need no AWS call.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class SettlementEntryPointTests : IDisposable
{
    private readonly EnvironmentScope _environment = new();

    public SettlementEntryPointTests()
    {
        _environment.Set("AWS_REGION", "us-east-1");
        _environment.Set("SETTLEMENT_TABLE", "settlements");
        _environment.Set("SETTLEMENT_RULES", SettlementRules.DefaultJson);
        _environment.Set("DEAD_LETTER_QUEUE_URL", Samples.DeadLetterQueueUrl);
        _environment.Set("LOG_LEVEL", "ERROR");
    }

    [Fact]
    public async Task The_consumer_starts_from_the_environment()
    {
        Stream output = await new SettlementConsumer().HandleAsync(Samples.Utf8("""{"Records":[]}"""));

        Samples.ReadAll(output).Should().Be("""{"batchItemFailures":[]}""");
    }

    [Fact]
    public async Task The_api_starts_from_the_environment()
    {
        Stream output = await new SettlementApi().HandleAsync(Samples.Utf8("""{"resource":"/settlements/{claimId}","path":"/settlements/%20","httpMethod":"GET","pathParameters":{"claimId":" "}}"""));

        using JsonDocument response = JsonDocument.Parse(Samples.ReadAll(output));
        response.RootElement.GetProperty("statusCode").GetInt32().Should().Be(404);
    }

    [Fact]
    public void A_misconfigured_function_fails_at_start_with_every_problem()
    {
        _environment.Set("SETTLEMENT_TABLE", null);
        _environment.Set("SETTLEMENT_RULES", """{"currency":"US"}""");

        Action create = () => _ = new SettlementConsumer();

        create.Should().Throw<InvalidOperationException>().WithMessage(
            "SettlementConsumer is misconfigured: SETTLEMENT_TABLE is required but not set; SETTLEMENT_RULES.currency must be*; SETTLEMENT_RULES.deductibles is required*");
    }

    public void Dispose() => _environment.Dispose();
}
