using System.Text.Json;
using System.Text.Json.Nodes;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.MwaaScheduler.Catalog;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>The CreateEnvironment request rebuilt from GetEnvironment: allow-list, logging, tags, output-only fields.</summary>
public sealed class CreateEnvironmentRequestTests
{
    [Fact]
    public void The_allow_list_is_createEnvironments_25_members()
    {
        CreateEnvironmentRequest.Members.Should().HaveCount(25).And.OnlyHaveUniqueItems();
        CreateEnvironmentRequest.Members.Should().Contain(CreateEnvironmentRequest.Required);
        CreateEnvironmentRequest.Members.Should().Contain(["MinWebservers", "MaxWebservers", "EndpointManagement", "StartupScriptS3ObjectVersion", "Tags"]);
    }

    [Fact]
    public void Output_only_members_are_dropped_and_the_rest_kept()
    {
        JsonObject request = Build(MwaaSamples.Description());

        request.Select(p => p.Key).Should().BeEquivalentTo(
            CreateEnvironmentRequest.Members.Except(["StartupScriptS3Path", "StartupScriptS3ObjectVersion"]),
            "every allowed member the environment has, and nothing else");
        foreach (string dropped in (string[])["Arn", "Status", "CreatedAt", "LastUpdate", "WebserverUrl", "ServiceRoleArn", "CeleryExecutorQueue", "DatabaseVpcEndpointService", "WebserverVpcEndpointService"])
        {
            request.ContainsKey(dropped).Should().BeFalse(dropped);
        }

        ((string?)request["Name"]).Should().Be(MwaaSamples.Environment);
        ((int)request["MaxWorkers"]!).Should().Be(10);
        ((int)request["MinWebservers"]!).Should().Be(2);
        ((string?)request["PluginsS3ObjectVersion"]).Should().Be("plugins-v3");
        ((string?)request["AirflowConfigurationOptions"]!["secrets.backend_kwargs"]).Should().Be("{\"token\":\"s3cr3t-value\"}", "configuration options are restored as they were");
        request["NetworkConfiguration"]!.ToJsonString().Should().Be("""{"SubnetIds":["subnet-1","subnet-2"],"SecurityGroupIds":["sg-1"]}""");
    }

    [Fact]
    public void Logging_is_rebuilt_as_enabled_and_level_per_module_without_log_group_arns()
    {
        JsonObject logging = Build(MwaaSamples.Description())["LoggingConfiguration"]!.AsObject();

        logging.Select(p => p.Key).Should().BeEquivalentTo(CreateEnvironmentRequest.LogModules);
        logging["WebserverLogs"]!.ToJsonString().Should().Be("""{"Enabled":false,"LogLevel":"ERROR"}""");
        logging["TaskLogs"]!.ToJsonString().Should().Be("""{"Enabled":true,"LogLevel":"INFO"}""");
        logging.ToJsonString().Should().NotContain("CloudWatchLogGroupArn");
    }

    [Fact]
    public void Tags_lose_every_aws_prefixed_key_in_any_case()
    {
        JsonObject tags = Build(MwaaSamples.Description())["Tags"]!.AsObject();

        tags.Select(p => p.Key).Should().BeEquivalentTo(["team", "cost-center"]);
    }

    [Theory]
    [InlineData("aws:cloudformation:stack-id", false)]
    [InlineData("AWS:x", false)]
    [InlineData("aWs:", false)]
    [InlineData("aws", true)]
    [InlineData("awsome", true)]
    [InlineData("my:aws:tag", true)]
    public void A_tag_key_is_a_user_tag_unless_it_starts_with_aws_colon(string key, bool kept) =>
        CreateEnvironmentRequest.IsUserTag(key).Should().Be(kept);

    [Fact]
    public void Only_aws_tags_leave_no_tags_member()
    {
        JsonObject description = MwaaSamples.Description();
        description["Tags"] = new JsonObject { ["aws:cloudformation:stack-name"] = "s" };

        Build(description).ContainsKey("Tags").Should().BeFalse();
    }

    [Fact]
    public void Absent_optional_members_stay_absent_and_null_ones_too()
    {
        JsonObject description = MwaaSamples.Description();
        description.Remove("PluginsS3Path");
        description.Remove("PluginsS3ObjectVersion");
        description["KmsKey"] = null;

        JsonObject request = Build(description);

        request.ContainsKey("PluginsS3Path").Should().BeFalse();
        request.ContainsKey("KmsKey").Should().BeFalse();
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("ExecutionRoleArn")]
    [InlineData("SourceBucketArn")]
    [InlineData("DagS3Path")]
    [InlineData("NetworkConfiguration")]
    public void A_missing_required_member_is_bad_input(string member)
    {
        JsonObject description = MwaaSamples.Description();
        description.Remove(member);

        FluentActions.Invoking(() => Build(description)).Should().Throw<BadInput>().WithMessage($"*environment.{member} is required*");
    }

    [Fact]
    public void Another_environments_description_is_bad_input()
    {
        FluentActions.Invoking(() => CreateEnvironmentRequest.Build(MwaaSamples.Element(MwaaSamples.Description()), "other-env"))
            .Should().Throw<BadInput>().WithMessage("*serves environment 'other-env'*");
    }

    [Fact]
    public void Wrong_types_are_bad_input_named_by_member_without_values()
    {
        JsonObject description = MwaaSamples.Description();
        description["MaxWorkers"] = "ten";
        description["EnvironmentClass"] = 3;
        description["Tags"] = new JsonObject { ["team"] = 1 };
        description["AirflowConfigurationOptions"] = new JsonObject { ["core.secret"] = new JsonObject { ["nested"] = "s3cr3t-value" } };
        description["LoggingConfiguration"]!["TaskLogs"] = new JsonObject { ["Enabled"] = true };
        description["NetworkConfiguration"] = new JsonObject { ["SubnetIds"] = "subnet-1" };

        BadInput error = FluentActions.Invoking(() => Build(description)).Should().Throw<BadInput>().Which;

        error.Message.Should().Contain("environment.MaxWorkers must be a whole number")
            .And.Contain("environment.EnvironmentClass must be a string")
            .And.Contain("environment.Tags must be an object of strings")
            .And.Contain("environment.AirflowConfigurationOptions must be an object of strings")
            .And.Contain("environment.LoggingConfiguration.TaskLogs must have Enabled (boolean) and LogLevel (string)")
            .And.Contain("environment.NetworkConfiguration.SubnetIds must be an array of strings");
        error.Message.Should().NotContain("s3cr3t");
    }

    [Fact]
    public void Not_an_object_is_bad_input()
    {
        using JsonDocument array = JsonDocument.Parse("[]");
        FluentActions.Invoking(() => CreateEnvironmentRequest.Build(array.RootElement, MwaaSamples.Environment)).Should().Throw<BadInput>();
    }

    [Fact]
    public void The_loaded_request_has_all_25_members_null_when_absent()
    {
        JsonElement saved = JsonDocument.Parse(CreateEnvironmentRequest.Build(MwaaSamples.Element(MwaaSamples.Description()), MwaaSamples.Environment)).RootElement;

        JsonElement full = CreateEnvironmentRequest.WithAllMembers(saved);

        full.EnumerateObject().Select(p => p.Name).Should().Equal(CreateEnvironmentRequest.Members);
        full.GetProperty("StartupScriptS3Path").ValueKind.Should().Be(JsonValueKind.Null);
        full.GetProperty("MaxWorkers").GetInt32().Should().Be(10);
        full.GetProperty("Tags").GetProperty("team").GetString().Should().Be("data");
    }

    private static JsonObject Build(JsonObject description) =>
        JsonNode.Parse(CreateEnvironmentRequest.Build(MwaaSamples.Element(description), MwaaSamples.Environment))!.AsObject();
}
