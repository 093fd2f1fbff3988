using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using FluentAssertions;
using Patterns.Cdk.PrivateUploadApi;
using Xunit;
using static Patterns.Cdk.Tests.UploadSynth;

namespace Patterns.Cdk.Tests;

/// <summary>One case per validation rule of PrivateUploadApiProps, with the exact message; and one per warning id.</summary>
public class PrivateUploadApiValidationTests
{
    private static IVpc VpcWithoutCidr(Stack s) => Vpc.FromVpcAttributes(s, "NoCidr", new VpcAttributes
    {
        VpcId = "vpc-0123456789abcdef0", AvailabilityZones = ["eu-west-1a"], PrivateSubnetIds = ["subnet-0123456789abcdef0"],
    });

    public static TheoryData<string, Func<Stack, PrivateUploadApiProps>, string> Rules() => new()
    {
        // Bring-your-own resources and overrides.
        { "endpoint without vpc", s => new() { ExistingApiEndpoint = Endpoint(s) },
            "ExistingApiEndpoint: needs its VPC: the bucket policy admits presigned uploads from that VPC only (got \"an endpoint without ExistingVpc\"); pass the endpoint's VPC as ExistingVpc, or remove ExistingApiEndpoint to have the construct create an endpoint" },
        { "vpc without cidr", s => new() { ExistingVpc = VpcWithoutCidr(s) },
            "ExistingVpc: has no CIDR block, which the new execute-api endpoint's security group needs to admit HTTPS from the VPC (got \"a VPC without VpcCidrBlock\"); import it with Vpc.FromLookup or with VpcCidrBlock in Vpc.FromVpcAttributes, or pass ExistingApiEndpoint" },
        { "bucket twice", s => new() { ExistingBucket = Bucket.FromBucketName(s, "B", "uploads"), BucketProps = new BucketProps() },
            "ExistingBucket, BucketProps: both were given, but they are alternatives (got both); pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both" },
        { "key for an existing bucket", s => new() { ExistingBucket = Bucket.FromBucketName(s, "B", "uploads"), BucketEncryptionKey = new Key(s, "K") },
            "BucketEncryptionKey: encrypts the bucket the construct creates, but ExistingBucket was given (got \"a key\"); remove BucketEncryptionKey (an imported bucket's own EncryptionKey is granted to the functions), or remove ExistingBucket" },
        { "key twice", s => new() { BucketProps = new BucketProps { EncryptionKey = new Key(s, "K1") }, BucketEncryptionKey = new Key(s, "K2") },
            "BucketProps.EncryptionKey, BucketEncryptionKey: both were given, but they are alternatives (got both); pass the key once, as BucketEncryptionKey" },
        { "own abort rule", _ => new() { BucketProps = new BucketProps { LifecycleRules = [new LifecycleRule { AbortIncompleteMultipartUploadAfter = Duration.Days(2) }] } },
            "BucketProps.LifecycleRules: abort incomplete multipart uploads, which the construct's own rule does (got \"a rule with AbortIncompleteMultipartUploadAfter\"); remove it and set AbortIncompleteUploadsAfter instead" },
        { "bucket props number", _ => new() { BucketProps = new BucketProps { MinimumTLSVersion = double.NaN } },
            "BucketProps.MinimumTLSVersion: must be a finite number (got NaN); give a number, or leave it out for the default" },

        // Safety switches.
        { "alarm topic unused", s => new() { CreateAlarms = false, AlarmTopic = new Amazon.CDK.AWS.SNS.Topic(s, "T") },
            "AlarmTopic: was given but CreateAlarms is false, so nothing would notify it (got \"a topic\"); remove AlarmTopic or set CreateAlarms to true" },
        { "writers without restriction", s => new() { RestrictBucketToVpc = false, OutsideVpcWriters = [Role.FromRoleName(s, "R", "processor")] },
            "OutsideVpcWriters: exempts roles from the bucket policy's VPC restriction, but RestrictBucketToVpc is false, so there is none (got \"roles\"); remove OutsideVpcWriters, or set RestrictBucketToVpc to true" },
        { "null writer", _ => new() { OutsideVpcWriters = [null!] },
            "OutsideVpcWriters: contains null (got \"a null role\"); remove it or give a role" },
        { "abort too long", _ => new() { AbortIncompleteUploadsAfter = Duration.Days(31) },
            "AbortIncompleteUploadsAfter: must be between 1 and 30 days (got 31 days); the default is 1 day" },
        { "abort too short", _ => new() { AbortIncompleteUploadsAfter = Duration.Hours(12) },
            "AbortIncompleteUploadsAfter: must be between 1 and 30 days (got 12 hours); the default is 1 day" },
        { "abort whole days", _ => new() { AbortIncompleteUploadsAfter = Duration.Hours(36) },
            "AbortIncompleteUploadsAfter: must be a whole number of days (S3 lifecycle rules count in days) (got 1 day 12 hours); round it, e.g. Duration.Days(1)" },
        { "abort for an existing bucket", s => new() { ExistingBucket = Bucket.FromBucketName(s, "B", "uploads"), AbortIncompleteUploadsAfter = Duration.Days(2) },
            "AbortIncompleteUploadsAfter: sets the lifecycle rule of the bucket the construct creates, but ExistingBucket was given (got 2 days); remove it and add an AbortIncompleteMultipartUploadAfter lifecycle rule to your bucket, or remove ExistingBucket" },

        // Tuning.
        { "log level", _ => new() { LogLevel = "LOUD" }, "LogLevel: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got \"LOUD\"); the default is INFO" },
        { "rate", _ => new() { ThrottlingRateLimit = 0 }, "ThrottlingRateLimit: must be between 1 and 10000 requests per second (got 0); the default is 50" },
        { "burst", _ => new() { ThrottlingBurstLimit = 6000 }, "ThrottlingBurstLimit: must be between 1 and 5000 requests (got 6000); the default is 100" },
        { "burst whole", _ => new() { ThrottlingBurstLimit = 10.5 }, "ThrottlingBurstLimit: must be a whole number (got 10.5); round it, e.g. 10" },

        // Semantics.
        { "prefix with slash", _ => new() { KeyPrefix = "in/coming" },
            "KeyPrefix: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit (no '/': it is one key segment) (got \"in/coming\"); e.g. \"uploads\"; the default is uploads" },
        { "prefix empty", _ => new() { KeyPrefix = "" },
            "KeyPrefix: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit (no '/': it is one key segment) (got \"\"); e.g. \"uploads\"; the default is uploads" },
        { "prefix upper case", _ => new() { KeyPrefix = "Uploads" },
            "KeyPrefix: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit (no '/': it is one key segment) (got \"Uploads\"); e.g. \"uploads\"; the default is uploads" },
        { "prefix too long", _ => new() { KeyPrefix = new string('a', 64) },
            $"KeyPrefix: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit (no '/': it is one key segment) (got \"{new string('a', 64)}\"); e.g. \"uploads\"; the default is uploads" },
        { "no types", _ => new() { AllowedContentTypes = [] },
            "AllowedContentTypes: must name at least one content type, or no upload could succeed (got \"an empty list\"); leave AllowedContentTypes out for the default list, or name the types to accept" },
        { "wildcard type", _ => new() { AllowedContentTypes = ["image/png", "image/*"] },
            "AllowedContentTypes[1]: must be a lower-case type/subtype without parameters or wildcards (got \"image/*\"); e.g. \"image/png\" or \"application/pdf\"" },
        { "upper-case type", _ => new() { AllowedContentTypes = ["Image/PNG"] },
            "AllowedContentTypes[0]: must be a lower-case type/subtype without parameters or wildcards (got \"Image/PNG\"); e.g. \"image/png\" or \"application/pdf\"" },
        { "type with parameters", _ => new() { AllowedContentTypes = ["text/plain; charset=utf-8"] },
            "AllowedContentTypes[0]: must be a lower-case type/subtype without parameters or wildcards (got \"text/plain; charset=utf-8\"); e.g. \"image/png\" or \"application/pdf\"" },
        { "null type", _ => new() { AllowedContentTypes = [null!] },
            "AllowedContentTypes[0]: must be a lower-case type/subtype without parameters or wildcards (got nothing); e.g. \"image/png\" or \"application/pdf\"" },
        { "duplicate type", _ => new() { AllowedContentTypes = ["image/png", "image/png"] },
            "AllowedContentTypes: names a content type twice (got \"image/png\"); keep one of each" },
        { "max size zero", _ => new() { MaxUploadBytes = 0 },
            "MaxUploadBytes: must be between 1 byte and 5 TiB (5497558138880, S3's largest object) (got 0); the default is 5 GiB (5368709120)" },
        { "max size above 5 TiB", _ => new() { MaxUploadBytes = 6d * 1024 * 1024 * 1024 * 1024 },
            "MaxUploadBytes: must be between 1 byte and 5 TiB (5497558138880, S3's largest object) (got 6597069766656); the default is 5 GiB (5368709120)" },
        { "max size whole", _ => new() { MaxUploadBytes = 1000.5 }, "MaxUploadBytes: must be a whole number (got 1000.5); round it, e.g. 1000" },
        { "direct zero", _ => new() { DirectUploadMaxBytes = 0 },
            "DirectUploadMaxBytes: must be between 1 byte and 4 MiB (4194304): the body reaches the function base64-encoded inside Lambda's 6 MB payload (got 0); the default is 4 MiB; larger files go through POST /uploads" },
        { "direct above 4 MiB", _ => new() { DirectUploadMaxBytes = 10d * 1024 * 1024 },
            "DirectUploadMaxBytes: must be between 1 byte and 4 MiB (4194304): the body reaches the function base64-encoded inside Lambda's 6 MB payload (got 10485760); the default is 4 MiB; larger files go through POST /uploads" },
        { "direct whole", _ => new() { DirectUploadMaxBytes = 1024.5 }, "DirectUploadMaxBytes: must be a whole number (got 1024.5); round it, e.g. 1024" },
        { "direct above max", _ => new() { MaxUploadBytes = 1000, DirectUploadMaxBytes = 2000 },
            "DirectUploadMaxBytes: is more than MaxUploadBytes, the largest upload of any kind (got 2000); lower DirectUploadMaxBytes to at most MaxUploadBytes" },
        { "url expiry too short", _ => new() { UrlExpiry = Duration.Seconds(30) },
            "UrlExpiry: must be between 1 and 60 minutes (a presigned URL signed by the function's role dies with its session anyway) (got 30 seconds); the default is 15 minutes" },
        { "url expiry too long", _ => new() { UrlExpiry = Duration.Hours(2) },
            "UrlExpiry: must be between 1 and 60 minutes (a presigned URL signed by the function's role dies with its session anyway) (got 2 hours); the default is 15 minutes" },
        { "url expiry whole seconds", _ => new() { UrlExpiry = Duration.Millis(90500) },
            "UrlExpiry: must be a whole number of seconds (presigned URLs expire by the second) (got 1 minute 30 seconds); round it, e.g. Duration.Minutes(15)" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_fails_with_its_documented_message(string rule, Func<Stack, PrivateUploadApiProps> props, string message) =>
        Constructing(props).Should().Throw<ArgumentException>(rule).Which.Message.Split(System.Environment.NewLine).Should().Contain(" - " + message, rule);

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        Constructing(_ => new() { KeyPrefix = "A/B", UrlExpiry = Duration.Hours(3), ThrottlingRateLimit = -1 })
            .Should().Throw<ArgumentException>().Which.Message.Should().StartWith("Invalid PrivateUploadApiProps (3 problems):");
    }

    [Fact]
    public void Defaults_and_complete_configurations_are_valid_and_the_limits_themselves_are_accepted()
    {
        Constructing(_ => new()).Should().NotThrow();
        Constructing(AllOptions).Should().NotThrow();
        Constructing(Existing).Should().NotThrow();
        Constructing(_ => new()
        {
            KeyPrefix = "a", MaxUploadBytes = PrivateUploadApiValidation.MaxObjectBytes, DirectUploadMaxBytes = PrivateUploadApiValidation.MaxDirectBytes,
            UrlExpiry = Duration.Hours(1), AbortIncompleteUploadsAfter = Duration.Days(30), ThrottlingRateLimit = 10000, ThrottlingBurstLimit = 5000,
        }).Should().NotThrow();
        Constructing(_ => new() { MaxUploadBytes = 1, DirectUploadMaxBytes = 1, UrlExpiry = Duration.Minutes(1), AbortIncompleteUploadsAfter = Duration.Days(1) })
            .Should().NotThrow();
    }

    [Fact]
    public void A_private_dns_choice_with_a_given_endpoint_is_ignored_with_a_warning()
    {
        var (stack, _, _) = Uploads(s => new() { ExistingVpc = Network(s), ExistingApiEndpoint = Endpoint(s), ApiEndpointPrivateDns = false });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().ContainSingle(w => w.Contains("patterns-cdk:PrivateUploadApi.privateDnsIgnored", StringComparison.Ordinal));
    }

    [Fact]
    public void Turning_the_vpc_restriction_off_warns()
    {
        var (stack, _, _) = Uploads(new PrivateUploadApiProps { RestrictBucketToVpc = false });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().ContainSingle(w => w.Contains("patterns-cdk:PrivateUploadApi.bucketNotRestrictedToVpc", StringComparison.Ordinal));
    }

    [Fact]
    public void An_imported_bucket_whose_policy_cdk_cannot_change_warns()
    {
        var (stack, _, _) = Uploads(s => new() { ExistingBucket = Bucket.FromBucketName(s, "Landing", "landing-zone-uploads") });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().ContainSingle(w => w.Contains("patterns-cdk:PrivateUploadApi.bucketPolicyNotApplied", StringComparison.Ordinal));
    }

    [Fact]
    public void Bucket_overrides_that_weaken_a_default_warn_through_the_shared_builder()
    {
        var (stack, _, _) = Uploads(new PrivateUploadApiProps { BucketProps = new BucketProps { Versioned = false } });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().ContainSingle(w => w.Contains("patterns-cdk:PrivateUploadApi.bucketVersioning", StringComparison.Ordinal));
    }
}
