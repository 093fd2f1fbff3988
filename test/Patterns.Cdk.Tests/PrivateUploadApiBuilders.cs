using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Patterns.Cdk.PrivateUploadApi;

namespace Patterns.Cdk.Tests;

/// <summary>Shorthands for synthesizing one PrivateUploadApi and reading its template.</summary>
internal static class UploadSynth
{
    public static (Stack Stack, PrivateUploadApi.PrivateUploadApi Uploads, JsonNode Template) Uploads(PrivateUploadApiProps? props = null) =>
        Uploads(_ => props ?? new PrivateUploadApiProps());

    /// <summary>Synthesizes with props that need the stack (imports, keys, topics, roles).</summary>
    public static (Stack Stack, PrivateUploadApi.PrivateUploadApi Uploads, JsonNode Template) Uploads(Func<Stack, PrivateUploadApiProps> props)
    {
        var stack = TestApp.NewStack();
        var uploads = new PrivateUploadApi.PrivateUploadApi(stack, "Uploads", props(stack));
        return (stack, uploads, JsonNode.Parse(TestApp.Json(stack))!);
    }

    /// <summary>Constructs the API in a fresh stack and returns what construction threw.</summary>
    public static System.Action Constructing(Func<Stack, PrivateUploadApiProps> props) => () =>
    {
        var stack = TestApp.NewStack();
        _ = new PrivateUploadApi.PrivateUploadApi(stack, "Uploads", props(stack));
    };

    /// <summary>Every resource of <paramref name="type"/>: logical id and properties.</summary>
    public static List<(string Id, JsonNode Properties)> Resources(JsonNode template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"] ?? new JsonObject()))
            .ToList();

    /// <summary>The one resource of <paramref name="type"/>'s properties.</summary>
    public static JsonNode Single(JsonNode template, string type) => Resources(template, type).Single().Properties;

    /// <summary>The logical id of the one resource of <paramref name="type"/> whose id starts with <paramref name="prefix"/>.</summary>
    public static string IdOf(JsonNode template, string type, string prefix) =>
        Resources(template, type).Single(r => r.Id.StartsWith(prefix, StringComparison.Ordinal)).Id;

    /// <summary>The IAM statements of the function whose construct id is <paramref name="functionId"/> (its role's policies).</summary>
    public static List<PolicyStatement> StatementsOf(Stack stack, string functionId) => PolicyStatements.Of(stack, "Uploads" + functionId + "Role");

    /// <summary>An imported VPC with its CIDR (the endpoint's security group needs it).</summary>
    public static IVpc Network(Stack s, string id = "Network") => Vpc.FromVpcAttributes(s, id, new VpcAttributes
    {
        VpcId = "vpc-0123456789abcdef0",
        VpcCidrBlock = "10.20.0.0/16",
        AvailabilityZones = ["eu-west-1a", "eu-west-1b"],
        PrivateSubnetIds = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    });

    /// <summary>An imported execute-api endpoint.</summary>
    public static IInterfaceVpcEndpoint Endpoint(Stack s, string id = "ApiVpce") =>
        InterfaceVpcEndpoint.FromInterfaceVpcEndpointAttributes(s, id, new InterfaceVpcEndpointAttributes { VpcEndpointId = "vpce-0123456789abcdef0", Port = 443 });

    /// <summary>Every prop that is not bring-your-own, away from its default (the VPC is created).</summary>
    public static PrivateUploadApiProps AllOptions(Stack stack)
    {
        var key = new Key(stack, "Key", new KeyProps { EnableKeyRotation = true });
        return new PrivateUploadApiProps
        {
            BucketProps = new BucketProps
            {
                LifecycleRules = [new LifecycleRule { Id = "ArchiveAfterAQuarter", Transitions = [new Transition { StorageClass = StorageClass.INFREQUENT_ACCESS, TransitionAfter = Duration.Days(90) }] }],
            },
            CreateAlarms = true,
            AlarmTopic = new Topic(stack, "AlarmTopic", new TopicProps { EnforceSSL = true, MasterKey = key }),
            RestrictBucketToVpc = true,
            OutsideVpcWriters = [Role.FromRoleArn(stack, "Processor", "arn:aws:iam::123456789012:role/thumbnail-processor", new FromRoleArnOptions { Mutable = false })],
            AbortIncompleteUploadsAfter = Duration.Days(3),
            BucketEncryptionKey = key,
            LogLevel = "DEBUG",
            ThrottlingRateLimit = 20,
            ThrottlingBurstLimit = 40,
            ApiEndpointPrivateDns = false,
            KeyPrefix = "incoming",
            AllowedContentTypes = ["image/png", "application/json", "video/mp4"],
            MaxUploadBytes = 100d * 1024 * 1024 * 1024,
            DirectUploadMaxBytes = 1024 * 1024,
            UrlExpiry = Duration.Minutes(30),
        };
    }

    /// <summary>VPC, endpoint, bucket, table and bus imported.</summary>
    public static PrivateUploadApiProps Existing(Stack stack) => new()
    {
        ExistingVpc = Network(stack),
        ExistingApiEndpoint = Endpoint(stack),
        ExistingBucket = Bucket.FromBucketName(stack, "Landing", "landing-zone-uploads"),
        ExistingSessionTable = Table.FromTableName(stack, "Sessions", "upload-sessions"),
        ExistingEventBus = EventBus.FromEventBusArn(stack, "Bus", "arn:aws:events:eu-west-1:123456789012:event-bus/uploads"),
    };
}
