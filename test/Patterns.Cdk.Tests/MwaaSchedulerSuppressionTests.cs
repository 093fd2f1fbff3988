using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using FluentAssertions;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The ARNs MwaaScheduler's suppressions name must match the finding cdk-nag prints, whatever the stack's environment
/// fixes: nothing, the region only (the sample app without an account), or both.
/// </summary>
public class MwaaSchedulerSuppressionTests
{
    [Theory]
    [InlineData(null, null, "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*")]
    [InlineData(null, "us-east-1", "Resource::arn:aws:ec2:us-east-1:<AWS::AccountId>:subnet/*")]
    [InlineData("111122223333", "eu-west-3", "Resource::arn:aws:ec2:eu-west-3:111122223333:subnet/*")]
    public void An_ec2_arn_matches_its_finding_in_any_environment(string? account, string? region, string finding)
    {
        var stack = new Stack(new Amazon.CDK.App(), "S", new StackProps { Env = new Amazon.CDK.Environment { Account = account, Region = region } });
        var arn = stack.FormatArn(new ArnComponents { Service = "ec2", Resource = "subnet", ResourceName = "*", ArnFormat = ArnFormat.SLASH_RESOURCE_NAME });

        Matches(MwaaScheduler.Suppressions.Rendered(arn), finding).Should().BeTrue();
        Matches(MwaaScheduler.Suppressions.Rendered(arn), finding.Replace("subnet/*", "vpc/*")).Should().BeFalse("the resource type is exact");
    }

    [Fact]
    public void A_bucket_arn_matches_its_attribute_reference_and_only_the_objects()
    {
        var stack = new Stack(new Amazon.CDK.App(), "S");
        var bucket = new Bucket(stack, "DagBucket");

        var rendered = MwaaScheduler.Suppressions.Rendered(bucket.ArnForObjects("*"));

        Matches(rendered, "Resource::<DagBucketE8A0A5A7.Arn>/*").Should().BeTrue();
        Matches(rendered, "Resource::<DagBucketE8A0A5A7.Arn>").Should().BeFalse("the bucket itself is not covered");
        Matches(rendered, "Resource::*").Should().BeFalse();
    }

    /// <summary>Applies a suppression's <c>appliesTo</c> entry as cdk-nag does: a literal equals, a <c>/regex/g</c> matches.</summary>
    private static bool Matches(object appliesTo, string finding)
    {
        if (appliesTo is string literal)
        {
            return literal == finding;
        }

        var pattern = (string)((IDictionary<string, object>)appliesTo)["regex"];
        var body = pattern[1..pattern.LastIndexOf('/')];
        return Regex.IsMatch(finding, body.Replace("\\/", "/"));
    }
}
