using Amazon.CDK;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>One cdk-nag rule we knowingly do not follow on one of our own resources, and why.</summary>
/// <param name="RuleId">The rule, e.g. <c>AwsSolutions-IAM5</c>.</param>
/// <param name="Reason">Why the finding does not apply (it is written into the template for reviewers).</param>
/// <param name="AppliesTo">Optional finding granularity: strings such as <c>Resource::&lt;arn&gt;/*</c> or
/// <c>{ regex = "/.../g" }</c> dictionaries.</param>
internal sealed record NagSuppression(string RuleId, string Reason, params object[] AppliesTo)
{
    /// <summary>An <c>applies_to</c> entry matched by a regular expression (cdk-nag's <c>{ regex }</c> form).</summary>
    public static object Regex(string pattern) => new Dictionary<string, object> { ["regex"] = pattern };
}

/// <summary>
/// Writes cdk-nag suppressions as template metadata (<c>cdk_nag.rules_to_suppress</c>) on our own resources only,
/// without a dependency on the cdk-nag package (its .NET package is not available to our users either).
/// </summary>
internal static class NagSuppressions
{
    /// <summary>Adds suppressions to the CloudFormation resource behind <paramref name="construct"/>.</summary>
    public static void Add(IConstruct construct, params NagSuppression[] suppressions)
    {
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new InvalidOperationException($"{construct.Node.Path} has no CloudFormation resource to annotate.");
        var existing = ReadExisting(resource);
        foreach (var s in suppressions)
        {
            var entry = new Dictionary<string, object> { ["id"] = s.RuleId, ["reason"] = s.Reason };
            if (s.AppliesTo.Length > 0)
            {
                entry["applies_to"] = s.AppliesTo;
            }

            var key = Newtonsoft.Json.JsonConvert.SerializeObject(entry);
            if (!existing.Any(e => Newtonsoft.Json.JsonConvert.SerializeObject(e) == key))
            {
                existing.Add(entry);
            }
        }

        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = existing.ToArray() });
    }

    /// <summary>The suppressions already on <paramref name="resource"/> (metadata comes back from jsii as JSON-like objects).</summary>
    private static List<object> ReadExisting(CfnResource resource)
    {
        var json = Newtonsoft.Json.JsonConvert.SerializeObject(resource.GetMetadata("cdk_nag"));
        var parsed = Newtonsoft.Json.Linq.JToken.Parse(json);
        return parsed is Newtonsoft.Json.Linq.JObject o && o["rules_to_suppress"] is Newtonsoft.Json.Linq.JArray rules
            ? rules.Select(r => (object)r.ToObject<Dictionary<string, object>>()!).ToList()
            : [];
    }
}
