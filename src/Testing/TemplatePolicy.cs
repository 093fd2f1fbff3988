using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;

namespace Patterns.Cdk.Testing;

/// <summary>
/// Assertions over a synthesized template that hold for every resource of a kind, whoever created it (your code, a
/// construct library, the CDK itself). Each throws one <see cref="TemplatePolicyException"/> listing every violation
/// with its logical id.
/// <list type="bullet">
/// <item><see cref="TemplatePolicyRules.WildcardResources"/>: no identity-policy statement (<c>AWS::IAM::Policy</c>,
/// <c>AWS::IAM::ManagedPolicy</c>, the inline <c>Policies</c> of roles, users and groups) allows an action on
/// <c>Resource: "*"</c> unless every action of it is allowed to (<see cref="DefaultWildcardActions"/> plus
/// <see cref="TemplatePolicyOptions.AllowedWildcardActions"/>); <c>NotAction</c> and <c>NotResource</c> with
/// <c>Allow</c> are violations too.</item>
/// <item><see cref="TemplatePolicyRules.LambdaRuntimes"/> and <see cref="TemplatePolicyRules.LambdaArchitectures"/>:
/// every <c>AWS::Lambda::Function</c> runs on an allowed runtime (each value a <c>Fn::FindInMap</c> can pick is
/// checked; container images have none) and architecture (none given means x86_64).</item>
/// <item><see cref="TemplatePolicyRules.QueueEncryption"/> and <see cref="TemplatePolicyRules.QueueDeadLetterQueues"/>:
/// every <c>AWS::SQS::Queue</c> sets <c>KmsMasterKeyId</c> or <c>SqsManagedSseEnabled: true</c>, and has a
/// <c>RedrivePolicy</c> unless it is a dead-letter queue itself (referenced under a dead-letter or on-failure
/// property of any resource: a queue's redrive policy, a rule, pipe or schedule target, an event source mapping, a
/// function, a subscription).</item>
/// </list>
/// </summary>
public static class TemplatePolicy
{
    /// <summary>
    /// Actions allowed on <c>Resource: "*"</c> by default: they have no resource-level permissions, so IAM accepts no
    /// narrower resource (X-Ray segments and sampling, CloudWatch metric data, the ECR login token, Rekognition's
    /// stateless image APIs, log delivery for vended logs as Step Functions and Pipes use it, EC2 describe calls, and
    /// DynamoDB's <c>ListStreams</c>, which the CDK grants to every stream consumer), and the two S3 notification
    /// actions the CDK grants on "*" to its own bucket-notifications handler in every stack with S3 event notifications
    /// (<c>Bucket.AddEventNotification</c>; Patterns.Cdk's RecursionSafeS3Processor and FaceBlurPipeline).
    /// </summary>
    public static IReadOnlyList<string> DefaultWildcardActions { get; } =
    [
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
        "cloudwatch:PutMetricData",
        "ecr:GetAuthorizationToken",
        "rekognition:DetectFaces", "rekognition:DetectLabels", "rekognition:DetectText", "rekognition:DetectModerationLabels",
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        "ec2:Describe*",
        "dynamodb:ListStreams",
        "s3:PutBucketNotification", "s3:GetBucketNotification",
    ];

    /// <summary>
    /// Runtimes allowed by default: <c>provided.al2023</c> (Native AOT .NET, as Patterns.Cdk's bundled handlers),
    /// <c>dotnet10</c>, and the runtimes Patterns.Cdk pins the CDK's own helper functions to (<c>nodejs22.x</c>,
    /// <c>python3.13</c>, and <c>python3.12</c> for the bucket-deployment handler, whose AWS CLI layer stops at 3.12).
    /// </summary>
    public static IReadOnlyList<string> DefaultRuntimes { get; } = ["provided.al2023", "dotnet10", "nodejs22.x", "python3.13", "python3.12"];

    /// <summary>
    /// Architectures allowed by default: both, because the CDK's own helper functions (bucket notifications, custom
    /// resource providers) run on x86_64. Pass <c>["arm64"]</c> to require Graviton everywhere.
    /// </summary>
    public static IReadOnlyList<string> DefaultArchitectures { get; } = ["arm64", "x86_64"];

    /// <summary>Synthesizes <paramref name="stack"/> and throws if its template breaks any selected rule.</summary>
    /// <param name="stack">The stack to check.</param>
    /// <param name="options">Rules and allow-lists; null for every rule with the defaults.</param>
    /// <exception cref="TemplatePolicyException">One or more violations, all listed.</exception>
    public static void Assert(Stack stack, TemplatePolicyOptions? options = null) =>
        Assert(JsonNode.Parse(TemplateJson.Of(stack))!, options);

    /// <summary>Throws if <paramref name="template"/> breaks any selected rule.</summary>
    /// <param name="template">A synthesized template.</param>
    /// <param name="options">Rules and allow-lists; null for every rule with the defaults.</param>
    /// <exception cref="TemplatePolicyException">One or more violations, all listed.</exception>
    public static void Assert(JsonNode template, TemplatePolicyOptions? options = null)
    {
        var violations = Violations(template, options);
        if (violations.Count > 0)
        {
            throw new TemplatePolicyException(violations);
        }
    }

    /// <summary>Every violation of the selected rules in <paramref name="template"/>, in template order.</summary>
    /// <param name="template">A synthesized template.</param>
    /// <param name="options">Rules and allow-lists; null for every rule with the defaults.</param>
    /// <returns>The violations; empty when the template passes.</returns>
    public static IReadOnlyList<TemplatePolicyViolation> Violations(JsonNode template, TemplatePolicyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        options ??= new TemplatePolicyOptions();
        var resources = (template["Resources"] as JsonObject ?? []).Select(r => (Id: r.Key, Resource: r.Value as JsonObject))
            .Where(r => r.Resource is not null).Select(r => (r.Id, Resource: r.Resource!)).ToList();
        var violations = new List<TemplatePolicyViolation>();
        if (options.Rules.HasFlag(TemplatePolicyRules.WildcardResources))
        {
            var allowed = DefaultWildcardActions.Concat(options.AllowedWildcardActions ?? []).Select(ActionPattern).ToList();
            violations.AddRange(resources.SelectMany(r => WildcardStatements(r.Id, r.Resource, allowed)));
        }

        if ((options.Rules & (TemplatePolicyRules.LambdaRuntimes | TemplatePolicyRules.LambdaArchitectures)) != 0)
        {
            violations.AddRange(resources.SelectMany(r => Functions(r.Id, r.Resource, template["Mappings"], options)));
        }

        if ((options.Rules & (TemplatePolicyRules.QueueEncryption | TemplatePolicyRules.QueueDeadLetterQueues)) != 0)
        {
            var deadLetterTargets = DeadLetterTargets(resources);
            violations.AddRange(resources.SelectMany(r => Queues(r.Id, r.Resource, deadLetterTargets, options.Rules)));
        }

        return violations;
    }

    private static IEnumerable<TemplatePolicyViolation> WildcardStatements(string id, JsonObject resource, List<Regex> allowed)
    {
        foreach (var statement in PolicyStatements(resource))
        {
            if (!string.Equals((string?)statement["Effect"], "Allow", StringComparison.Ordinal))
            {
                continue;
            }

            var sid = statement["Sid"] is JsonValue s ? $" (Sid {s})" : "";
            if (statement["NotAction"] is not null)
            {
                yield return new(TemplatePolicyRules.WildcardResources, id, Render(statement["NotAction"]),
                    $"a statement{sid} allows NotAction {Render(statement["NotAction"])}: every other action of every service");
                continue;
            }

            if (statement["NotResource"] is not null)
            {
                yield return new(TemplatePolicyRules.WildcardResources, id, Render(statement["NotResource"]),
                    $"a statement{sid} allows {Render(statement["Action"])} on NotResource {Render(statement["NotResource"])}: every other resource");
                continue;
            }

            if (!Many(statement["Resource"]).Any(r => r is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && (string?)v == "*"))
            {
                continue;
            }

            foreach (var action in Many(statement["Action"]).Select(a => a?.ToString() ?? "null"))
            {
                if (!allowed.Exists(pattern => pattern.IsMatch(action)))
                {
                    yield return new(TemplatePolicyRules.WildcardResources, id, action,
                        $"a statement{sid} allows {action} on Resource \"*\"; scope it to resources or allow-list the action");
                }
            }
        }
    }

    // Identity policies: the document of a policy or managed policy, the inline policies of a role, user or group.
    private static IEnumerable<JsonObject> PolicyStatements(JsonObject resource)
    {
        var properties = resource["Properties"];
        var documents = (string?)resource["Type"] switch
        {
            "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" => [properties?["PolicyDocument"]],
            "AWS::IAM::Role" or "AWS::IAM::User" or "AWS::IAM::Group" => Many(properties?["Policies"]).Select(p => p?["PolicyDocument"]),
            _ => [],
        };
        return documents.SelectMany(d => Many(d?["Statement"])).OfType<JsonObject>();
    }

    private static IEnumerable<TemplatePolicyViolation> Functions(string id, JsonObject resource, JsonNode? mappings, TemplatePolicyOptions options)
    {
        if ((string?)resource["Type"] != "AWS::Lambda::Function")
        {
            yield break;
        }

        var properties = resource["Properties"];
        if (options.Rules.HasFlag(TemplatePolicyRules.LambdaRuntimes))
        {
            var allowed = options.AllowedRuntimes ?? DefaultRuntimes;
            foreach (var (runtime, resolved) in RuntimeNames(properties?["Runtime"], mappings))
            {
                if (!resolved)
                {
                    yield return new(TemplatePolicyRules.LambdaRuntimes, id, runtime, $"its Runtime {runtime} cannot be resolved in the template");
                }
                else if (!allowed.Contains(runtime, StringComparer.Ordinal))
                {
                    yield return new(TemplatePolicyRules.LambdaRuntimes, id, runtime,
                        $"it runs on {runtime}, which is not an allowed runtime ({string.Join(", ", allowed)})");
                }
            }
        }

        if (options.Rules.HasFlag(TemplatePolicyRules.LambdaArchitectures))
        {
            var allowed = options.AllowedArchitectures ?? DefaultArchitectures;
            var architectures = properties?["Architectures"] is JsonArray list ? list.Select(a => a?.ToJsonString().Trim('"') ?? "null").ToList() : ["x86_64"];
            var implicitly = properties?["Architectures"] is null ? " (no Architectures given)" : "";
            foreach (var architecture in architectures.Where(a => !allowed.Contains(a, StringComparer.Ordinal)))
            {
                yield return new(TemplatePolicyRules.LambdaArchitectures, id, architecture,
                    $"it runs on {architecture}{implicitly}, which is not an allowed architecture ({string.Join(", ", allowed)})");
            }
        }
    }

    // A literal runtime, or every value a Fn::FindInMap over the template's Mappings can give (the CDK picks some
    // runtimes per region that way). A function without a Runtime (a container image) has none to check.
    private static IEnumerable<(string Runtime, bool Resolved)> RuntimeNames(JsonNode? runtime, JsonNode? mappings)
    {
        switch (runtime)
        {
            case null:
                yield break;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                yield return (value.GetValue<string>(), true);
                break;
            case JsonObject o when o["Fn::FindInMap"] is JsonArray { Count: 3 } find && find[0] is JsonValue map && find[2] is JsonValue key
                                   && (mappings?[map.ToString()]) is JsonObject table:
                foreach (var (_, row) in table)
                {
                    if (row?[key.ToString()] is JsonValue name)
                    {
                        yield return (name.ToString(), true);
                    }
                }

                break;
            default:
                yield return (runtime.ToJsonString(), false);
                break;
        }
    }

    private static IEnumerable<TemplatePolicyViolation> Queues(string id, JsonObject resource, HashSet<string> deadLetterTargets, TemplatePolicyRules rules)
    {
        if ((string?)resource["Type"] != "AWS::SQS::Queue")
        {
            yield break;
        }

        var properties = resource["Properties"];
        var encrypted = properties?["KmsMasterKeyId"] is not null
                        || (properties?["SqsManagedSseEnabled"] is JsonValue sse && sse.GetValueKind() == System.Text.Json.JsonValueKind.True);
        if (rules.HasFlag(TemplatePolicyRules.QueueEncryption) && !encrypted)
        {
            yield return new(TemplatePolicyRules.QueueEncryption, id, "",
                "the queue sets neither KmsMasterKeyId nor SqsManagedSseEnabled: true");
        }

        if (rules.HasFlag(TemplatePolicyRules.QueueDeadLetterQueues) && properties?["RedrivePolicy"] is null && !deadLetterTargets.Contains(id))
        {
            yield return new(TemplatePolicyRules.QueueDeadLetterQueues, id, "",
                "the queue has no RedrivePolicy (dead-letter queue) and is no other resource's dead-letter queue");
        }
    }

    // Logical ids referenced (Ref, Fn::GetAtt) anywhere under a property named like a dead-letter setting
    // (RedrivePolicy.deadLetterTargetArn, DeadLetterConfig, OnFailure) of any resource.
    private static HashSet<string> DeadLetterTargets(List<(string Id, JsonObject Resource)> resources)
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, resource) in resources)
        {
            Walk(resource["Properties"], inside: false);
        }

        return targets;

        void Walk(JsonNode? node, bool inside)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        var here = inside || key.Contains("DeadLetter", StringComparison.OrdinalIgnoreCase) || key == "OnFailure";
                        if (here && key == "Ref" && value is JsonValue r)
                        {
                            targets.Add(r.ToString());
                        }
                        else if (here && key == "Fn::GetAtt" && value is JsonArray { Count: > 0 } a && a[0] is JsonValue target)
                        {
                            targets.Add(target.ToString());
                        }
                        else if (here && key == "Fn::GetAtt" && value is JsonValue dotted)
                        {
                            targets.Add(dotted.ToString().Split('.')[0]);
                        }

                        Walk(value, here);
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item, inside);
                    }

                    break;
            }
        }
    }

    // An allow-list entry with IAM's wildcards ("*", "?"), case-insensitive as IAM action names are. A statement's
    // own wildcard action passes only when the entry covers it literally ("ec2:Describe*" covers "ec2:DescribeVpcs"
    // and "ec2:Describe*", not "ec2:*").
    private static Regex ActionPattern(string entry) =>
        new("^" + Regex.Escape(entry).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static JsonNode?[] Many(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => [.. array],
        _ => [node],
    };

    private static string Render(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v => v.ToString(),
        _ => node.ToJsonString(),
    };
}

/// <summary>The rules of <see cref="TemplatePolicy"/>; combine them to select several.</summary>
[Flags]
public enum TemplatePolicyRules
{
    /// <summary>No rule.</summary>
    None = 0,

    /// <summary>No identity-policy statement allows an action outside the allow-list on <c>Resource: "*"</c>.</summary>
    WildcardResources = 1,

    /// <summary>Every Lambda function runs on an allowed runtime.</summary>
    LambdaRuntimes = 2,

    /// <summary>Every Lambda function runs on an allowed architecture.</summary>
    LambdaArchitectures = 4,

    /// <summary>Every SQS queue is encrypted (KMS or SQS-managed keys, set explicitly).</summary>
    QueueEncryption = 8,

    /// <summary>Every SQS queue has a dead-letter queue, or is one.</summary>
    QueueDeadLetterQueues = 16,

    /// <summary>Every rule.</summary>
    All = WildcardResources | LambdaRuntimes | LambdaArchitectures | QueueEncryption | QueueDeadLetterQueues,
}

/// <summary>What <see cref="TemplatePolicy"/> checks and allows.</summary>
public sealed class TemplatePolicyOptions
{
    /// <summary>The rules to check (default: all).</summary>
    public TemplatePolicyRules Rules { get; init; } = TemplatePolicyRules.All;

    /// <summary>
    /// Actions allowed on <c>Resource: "*"</c> in addition to <see cref="TemplatePolicy.DefaultWildcardActions"/>;
    /// IAM wildcards allowed (<c>"ssm:Describe*"</c>), case-insensitive.
    /// </summary>
    public IReadOnlyCollection<string>? AllowedWildcardActions { get; init; }

    /// <summary>The allowed Lambda runtimes; null for <see cref="TemplatePolicy.DefaultRuntimes"/>.</summary>
    public IReadOnlyCollection<string>? AllowedRuntimes { get; init; }

    /// <summary>The allowed Lambda architectures; null for <see cref="TemplatePolicy.DefaultArchitectures"/>.</summary>
    public IReadOnlyCollection<string>? AllowedArchitectures { get; init; }
}

/// <summary>One resource breaking one rule of <see cref="TemplatePolicy"/>.</summary>
/// <param name="Rule">The rule broken.</param>
/// <param name="LogicalId">The logical id of the resource breaking it.</param>
/// <param name="Subject">What breaks it: the action (or the NotAction / NotResource), the runtime (its JSON when the template does not say it literally or through a mapping), the architecture; empty for the queue rules.</param>
/// <param name="Message">A sentence saying what is wrong.</param>
public sealed record TemplatePolicyViolation(TemplatePolicyRules Rule, string LogicalId, string Subject, string Message)
{
    /// <summary>"LogicalId: message".</summary>
    /// <returns>The violation as one line.</returns>
    public override string ToString() => $"{LogicalId}: {Message}";
}

/// <summary>Thrown by <see cref="TemplatePolicy.Assert(Stack, TemplatePolicyOptions?)"/>: lists every violation.</summary>
public sealed class TemplatePolicyException : Exception
{
    /// <summary>Creates the exception for <paramref name="violations"/>.</summary>
    /// <param name="violations">At least one violation.</param>
    public TemplatePolicyException(IReadOnlyList<TemplatePolicyViolation> violations)
        : base(Describe(violations)) => Violations = violations;

    /// <summary>Creates the exception with a message and no violation (for serializers and tooling).</summary>
    public TemplatePolicyException() : this([]) { }

    /// <summary>Creates the exception with a message and no violation (for serializers and tooling).</summary>
    /// <param name="message">The message.</param>
    public TemplatePolicyException(string message) : base(message) => Violations = [];

    /// <summary>Creates the exception with a message, an inner exception and no violation (for serializers and tooling).</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TemplatePolicyException(string message, Exception innerException) : base(message, innerException) => Violations = [];

    /// <summary>Every violation found, in template order.</summary>
    public IReadOnlyList<TemplatePolicyViolation> Violations { get; }

    private static string Describe(IReadOnlyList<TemplatePolicyViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        return $"The template breaks {violations.Count} policy rule(s):" + System.Environment.NewLine +
               string.Join(System.Environment.NewLine, violations.Select(v => $" - [{v.Rule}] {v}"));
    }
}
