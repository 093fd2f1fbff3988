using System.Globalization;
using System.Text.Json.Nodes;
using Patterns.Cdk.Testing;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Every template a construct test synthesizes passes through here (<see cref="TestApp.Template"/>): an
/// <c>AWS::Lambda::Function</c> whose runtime Lambda blocks (for creation or update) today or within the table's margin,
/// or a runtime the table does not know, fails the test that synthesized it. The table is the repository's
/// <c>tools/runtimes/lambda-runtimes.json</c>, the same one <c>tools/runtimes/check.mjs</c> applies to the sample app.
/// </summary>
internal static class RuntimeGate
{
    private static readonly Lazy<RuntimeTable> Table = new(() =>
        RuntimeTable.Parse(File.ReadAllText(Path.Combine(TestApp.RepoRoot(), "tools", "runtimes", "lambda-runtimes.json"))));

    /// <summary>Throws when any function of <paramref name="template"/> fails the gate as of today (UTC).</summary>
    public static void Check(JsonNode template) =>
        Check(template, Table.Value, DateOnly.FromDateTime(DateTime.UtcNow));

    /// <summary>Throws when any function of <paramref name="template"/> fails the gate as of <paramref name="today"/>.</summary>
    public static void Check(JsonNode template, RuntimeTable table, DateOnly today)
    {
        var problems = Problems(template, table, today);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"Lambda runtime gate (tools/runtimes/lambda-runtimes.json, checked {table.Checked}):" + System.Environment.NewLine +
                string.Join(System.Environment.NewLine, problems.Select(p => " - " + p)));
        }
    }

    /// <summary>One line per function whose runtime is blocked, about to be, or unknown.</summary>
    public static IReadOnlyList<string> Problems(JsonNode template, RuntimeTable table, DateOnly today)
    {
        var horizon = today.AddDays(table.MarginDays);
        // Patterns.Cdk.Testing finds every function's runtimes (each value a Fn::FindInMap over the template's
        // Mappings can give, as CDK picks some runtimes per region); what it reports outside the runtimes no block
        // reaches before the horizon is explained here with the table's dates.
        var current = table.Runtimes.Where(r => r.Value.CreateBlock > horizon && r.Value.UpdateBlock > horizon).Select(r => r.Key).ToList();
        var violations = TemplatePolicy.Violations(template, new TemplatePolicyOptions { Rules = TemplatePolicyRules.LambdaRuntimes, AllowedRuntimes = current });
        var problems = new List<string>();
        foreach (var violation in violations)
        {
            var (id, runtime) = (violation.LogicalId, violation.Subject);
            if (!table.Runtimes.TryGetValue(runtime, out var dates))
            {
                problems.Add(runtime.StartsWith('{')
                    ? $"{id}: a Runtime of shape {runtime} cannot be checked; extend RuntimeGate"
                    : $"{id}: runtime {runtime} is not in the table; add its dates from the AWS runtime page");
                continue;
            }

            foreach (var (what, date) in new[] { ("creation", dates.CreateBlock), ("update", dates.UpdateBlock) })
            {
                if (date <= horizon)
                {
                    var when = date <= today ? $"since {date:yyyy-MM-dd}" : $"on {date:yyyy-MM-dd}, within {table.MarginDays} days";
                    problems.Add($"{id}: Lambda blocks {what} of {runtime} functions {when}; use a current runtime");
                }
            }
        }

        return problems;
    }
}

/// <summary>The dated runtime table: when Lambda blocks creating and updating functions on each runtime.</summary>
internal sealed record RuntimeTable(string Checked, int MarginDays, IReadOnlyDictionary<string, (DateOnly CreateBlock, DateOnly UpdateBlock)> Runtimes)
{
    public static RuntimeTable Parse(string json)
    {
        var node = JsonNode.Parse(json)!;
        var runtimes = node["runtimes"]!.AsObject().ToDictionary(
            entry => entry.Key,
            entry => (Date(entry.Value!["createBlock"]!), Date(entry.Value!["updateBlock"]!)));
        return new RuntimeTable(node["checked"]!.GetValue<string>(), node["marginDays"]!.GetValue<int>(), runtimes);
    }

    private static DateOnly Date(JsonNode value) =>
        DateOnly.ParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Runtimes for the user functions tests bring: current ones (CDK 2.160 has no constant for them yet).</summary>
internal static class TestRuntimes
{
    /// <summary>Node.js 22 with inline code, as a user's processor would run.</summary>
    public static readonly Amazon.CDK.AWS.Lambda.Runtime NodeJs22 =
        new("nodejs22.x", Amazon.CDK.AWS.Lambda.RuntimeFamily.NODEJS, new Amazon.CDK.AWS.Lambda.LambdaRuntimeProps { SupportsInlineCode = true });
}
