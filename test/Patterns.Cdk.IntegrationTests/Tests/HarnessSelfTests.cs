using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>The simulation itself: wired from the template, S3-accurate where it matters, and able to catch a loop.</summary>
[Collection(UsesEmulators.Name)]
public sealed class HarnessSelfTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    [Theory]
    [InlineData("incoming/my report (final).txt", "incoming/my+report+%28final%29.txt")]
    [InlineData("a+b=c&d.txt", "a%2Bb%3Dc%26d.txt")]
    [InlineData("100% sure.txt", "100%25+sure.txt")]
    [InlineData("café/日本.txt", "caf%C3%A9/%E6%97%A5%E6%9C%AC.txt")]
    public void Event_keys_are_form_encoded_as_S3_sends_them_and_the_handlers_decode_them_back(string key, string encoded)
    {
        S3EventKey.Encode(key).Should().Be(encoded);
        S3ObjectKey.Decode(encoded).Should().Be(key);
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket, DestinationKind.Queue, "ContentStampProcessor", null)]
    [InlineData(ProcessingStrategy.KeyFilter, DestinationKind.Queue, "ContentStampProcessor", null)]
    [InlineData(ProcessingStrategy.ObjectMetadata, DestinationKind.Lambda, "ContentStampProcessor", "ObjectMetadataGuard")]
    [InlineData(ProcessingStrategy.ProcessedLedger, DestinationKind.Lambda, "ContentStampProcessor", "LedgerRecorder")]
    public async Task The_simulation_is_wired_from_the_synthesized_template(ProcessingStrategy strategy, DestinationKind entry, string processorType, string? guardType)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        NotificationTarget target = deployment.Notifications.TargetsOf(deployment.SourceBucket).Should().ContainSingle().Subject;
        target.Kind.Should().Be(entry);
        target.Prefix.Should().Be(SynthesizedPattern.InputPrefix);
        target.Events.Should().Equal("s3:ObjectCreated:*");
        if (strategy == ProcessingStrategy.SeparateBucket)
        {
            deployment.Notifications.TargetsOf(deployment.OutputBucket).Should().BeEmpty();
        }

        deployment.Processor.HandlerType.Should().EndWith("." + processorType);
        deployment.Guard?.HandlerType.Should().EndWith("." + guardType);
        (deployment.Guard is null).Should().Be(guardType is null);
        deployment.Processor.Environment["SOURCE_BUCKET"].Should().Be(deployment.SourceBucket);
        if (strategy == ProcessingStrategy.ProcessedLedger)
        {
            // Fn::GetAtt [ProcessorRole, RoleId]: the id inside the principal of every write the processor makes.
            deployment.Guard!.Environment["PROCESSOR_ROLE_ID"].Should().StartWith("AROA");
            deployment.Processor.PrincipalId.Should().Contain(deployment.Guard.Environment["PROCESSOR_ROLE_ID"]);
            deployment.Guard.Environment["LEDGER_TABLE"].Should().Be(deployment.LedgerTable);
        }
    }

    [Fact]
    public async Task The_seeds_anti_pattern_an_unguarded_in_place_writer_is_caught_as_a_loop()
    {
        // The ObjectMetadata wiring with its guard replaced by a function that writes every object back in place.
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ObjectMetadata, output: null, mutateTemplate: json =>
        {
            string guardId = SynthesizedPattern.For(ProcessingStrategy.ObjectMetadata).GuardId!;
            json["Resources"]![guardId]!["Properties"]!["Handler"] =
                $"{typeof(NaiveInPlaceProcessor).Assembly.GetName().Name}::{typeof(NaiveInPlaceProcessor).FullName}::HandleAsync";
        });

        await deployment.UploadAsync("incoming/loop.txt", Samples.Text("again and again"));
        Func<Task> drive = () => deployment.DriveAsync(maxInvocations: 20);

        (await drive.Should().ThrowAsync<LoopDetectedException>()).Which.Message.Should().Contain("21 invocations");
        deployment.GuardInvocations().Should().Be(21);
    }

    [Fact]
    public async Task Ledger_changes_other_than_INSERT_never_reach_the_processor_because_of_the_template_filter()
    {
        using SimulatedDeployment filtered = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ProcessedLedger, output);
        using SimulatedDeployment unfiltered = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ProcessedLedger, output, json =>
        {
            foreach ((_, var resource) in json["Resources"]!.AsObject())
            {
                if ((string?)resource!["Type"] == "AWS::Lambda::EventSourceMapping")
                {
                    resource["Properties"]!.AsObject().Remove("FilterCriteria");
                }
            }
        });

        foreach (SimulatedDeployment deployment in new[] { filtered, unfiltered })
        {
            await deployment.UploadAsync("incoming/ledger.txt", Samples.Text("recorded"));
            await deployment.DriveAsync();
            Dictionary<string, AttributeValue> item = (await deployment.LedgerItemsAsync()).Single();
            await emulators.DynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = deployment.LedgerTable,
                Key = new Dictionary<string, AttributeValue> { ["objectId"] = item["objectId"], ["revision"] = item["revision"] },
                UpdateExpression = "SET recordedAt = :changed",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":changed"] = new() { S = "changed" } },
            });
            await deployment.Lambda.CaptureStreamsAsync(Cause.Injected);
            await deployment.DriveAsync();
        }

        filtered.ProcessorInvocations().Should().Be(1, "the MODIFY record is dropped by the mapping's filter");
        unfiltered.ProcessorInvocations().Should().Be(2, "without the filter the MODIFY record reaches the processor");
        unfiltered.Logs.Should().Contain(l => l.Contains("not an INSERT", StringComparison.Ordinal));
    }
}
