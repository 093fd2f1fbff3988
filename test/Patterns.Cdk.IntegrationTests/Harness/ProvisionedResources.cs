using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>What a logical id became in the emulators: the value of its <c>Ref</c> and of its <c>Fn::GetAtt</c> attributes.</summary>
public sealed record PhysicalResource(string LogicalId, string Type, string Name, string Ref, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// "Deploys" the template's data resources into the emulators under unique names (buckets, queues with their
/// visibility timeout and redrive policy, tables with their key schema), names its roles and functions, and resolves
/// the intrinsic functions (<c>Ref</c>, <c>Fn::GetAtt</c>, <c>Fn::Join</c>) of their properties to those names.
/// </summary>
public sealed class ProvisionedResources
{
    public const string Account = "000000000000";
    private const string Region = EmulatorFixture.Region;

    private readonly Dictionary<string, PhysicalResource> _byId = new(StringComparer.Ordinal);
    private readonly string _runId;

    private ProvisionedResources(string runId) => _runId = runId;

    public PhysicalResource this[string logicalId] =>
        _byId.TryGetValue(logicalId, out PhysicalResource? resource)
            ? resource
            : throw new NotSupportedException($"The simulation has no resource for logical id {logicalId}.");

    /// <summary>The resource an ARN or queue URL belongs to, or null.</summary>
    public PhysicalResource? FindByArnOrUrl(string arnOrUrl) =>
        _byId.Values.FirstOrDefault(r => r.Attributes.GetValueOrDefault("Arn") == arnOrUrl || r.Attributes.GetValueOrDefault("QueueUrl") == arnOrUrl);

    public static async Task<ProvisionedResources> CreateAsync(CfnTemplate template, EmulatorFixture emulators)
    {
        var resources = new ProvisionedResources(Guid.NewGuid().ToString("N")[..8]);
        foreach ((string id, _) in template.OfType("AWS::IAM::Role"))
        {
            string name = resources.Name(id, 50);
            string roleId = "AROA" + Slug(id, 16).ToUpperInvariant() + resources._runId.ToUpperInvariant();
            resources.Add(id, "AWS::IAM::Role", name, name, ("Arn", $"arn:aws:iam::{Account}:role/{name}"), ("RoleId", roleId));
        }

        foreach ((string id, _) in template.OfType("AWS::Lambda::Function"))
        {
            string name = resources.Name(id, 60);
            resources.Add(id, "AWS::Lambda::Function", name, name, ("Arn", $"arn:aws:lambda:{Region}:{Account}:function:{name}"));
        }

        foreach ((string id, _) in template.OfType("AWS::S3::Bucket"))
        {
            string name = resources.Name(id, 50).ToLowerInvariant();
            await emulators.S3.PutBucketAsync(name);
            resources.Add(id, "AWS::S3::Bucket", name, name, ("Arn", $"arn:aws:s3:::{name}"));
        }

        List<(string Id, JsonObject Properties)> queues = template.OfType("AWS::SQS::Queue").ToList();
        foreach ((string id, _) in queues)
        {
            string name = resources.Name(id, 70);
            string url = (await emulators.Sqs.CreateQueueAsync(name)).QueueUrl;
            string arn = (await emulators.Sqs.GetQueueAttributesAsync(url, ["QueueArn"])).QueueARN;
            resources.Add(id, "AWS::SQS::Queue", name, url, ("Arn", arn), ("QueueUrl", url), ("QueueName", name));
        }

        // Attributes that refer to other queues (the redrive policy) once every queue exists.
        foreach ((string id, JsonObject properties) in queues)
        {
            var attributes = new Dictionary<string, string>();
            if (properties["VisibilityTimeout"] is { } visibility)
            {
                attributes["VisibilityTimeout"] = resources.Resolve(visibility);
            }

            if (properties["RedrivePolicy"] is JsonObject redrive)
            {
                attributes["RedrivePolicy"] = JsonSerializer.Serialize(new
                {
                    deadLetterTargetArn = resources.Resolve(redrive["deadLetterTargetArn"]),
                    maxReceiveCount = CfnTemplate.Number(redrive["maxReceiveCount"], 10),
                });
            }

            if (attributes.Count > 0)
            {
                await emulators.Sqs.SetQueueAttributesAsync(resources[id].Ref, attributes);
            }
        }

        foreach ((string id, JsonObject properties) in template.OfType("AWS::DynamoDB::Table"))
        {
            string name = resources.Name(id, 60);
            await emulators.DynamoDb.CreateTableAsync(new CreateTableRequest
            {
                TableName = name,
                BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
                KeySchema = properties["KeySchema"]!.AsArray()
                    .Select(k => new KeySchemaElement((string)k!["AttributeName"]!, (string)k["KeyType"]!)).ToList(),
                AttributeDefinitions = properties["AttributeDefinitions"]!.AsArray()
                    .Select(a => new AttributeDefinition((string)a!["AttributeName"]!, (string)a["AttributeType"]!)).ToList(),
            });
            // dynalite answers CreateTable with CREATING and flips to ACTIVE on its next tick.
            while ((await emulators.DynamoDb.DescribeTableAsync(name)).Table.TableStatus != Amazon.DynamoDBv2.TableStatus.ACTIVE)
            {
                await Task.Delay(5);
            }

            string arn = $"arn:aws:dynamodb:{Region}:{Account}:table/{name}";
            resources.Add(id, "AWS::DynamoDB::Table", name, name, ("Arn", arn), ("StreamArn", arn + "/stream/2025-01-01T00:00:00.000"));
        }

        return resources;
    }

    /// <summary>A property value with its intrinsic functions resolved to the simulated resources.</summary>
    public string Resolve(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonValue value when value.TryGetValue(out double number) => number.ToString(CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue(out bool flag) => flag ? "true" : "false",
        JsonObject o when o["Ref"] is JsonValue reference => ResolveRef((string)reference!),
        JsonObject o when o["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt => ResolveGetAtt((string)getAtt[0]!, (string)getAtt[1]!),
        JsonObject o when o["Fn::Join"] is JsonArray { Count: 2 } join =>
            string.Join((string)join[0]!, join[1]!.AsArray().Select(Resolve)),
        _ => throw new NotSupportedException($"The simulation cannot resolve {node?.ToJsonString() ?? "null"}."),
    };

    /// <summary>A function's environment variables (Environment.Variables), resolved.</summary>
    public Dictionary<string, string> ResolveEnvironment(JsonObject functionProperties) =>
        functionProperties["Environment"]?["Variables"]?.AsObject().ToDictionary(v => v.Key, v => Resolve(v.Value), StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    private string ResolveRef(string id) => id switch
    {
        "AWS::Region" => Region,
        "AWS::AccountId" => Account,
        "AWS::Partition" => "aws",
        "AWS::URLSuffix" => "amazonaws.com",
        _ => this[id].Ref,
    };

    private string ResolveGetAtt(string id, string attribute) =>
        this[id].Attributes.TryGetValue(attribute, out string? value)
            ? value
            : throw new NotSupportedException($"The simulation has no attribute {attribute} for {id} ({this[id].Type}).");

    private string Name(string logicalId, int maxPrefix) => $"{Slug(logicalId, maxPrefix)}-{_runId}";

    private void Add(string id, string type, string name, string reference, params (string Name, string Value)[] attributes) =>
        _byId[id] = new PhysicalResource(id, type, name, reference, attributes.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal));

    private static string Slug(string logicalId, int max)
    {
        var slug = new StringBuilder();
        foreach (char c in logicalId.Where(char.IsAsciiLetterOrDigit).Take(max))
        {
            slug.Append(c);
        }

        return slug.ToString();
    }
}
