using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>The one place DynamoDB tables are created: on-demand, encrypted, recoverable, with TTL.</summary>
internal static class SecureTable
{
    /// <summary>Creates a table from our defaults with the user's <paramref name="overrides"/> on top.</summary>
    public static Table Create(Construct scope, string id, TableProps defaults, TableProps? overrides, string constructName)
    {
        defaults.BillingMode ??= BillingMode.PAY_PER_REQUEST;
        defaults.Encryption ??= TableEncryption.AWS_MANAGED;
        defaults.PointInTimeRecovery ??= true;
        defaults.RemovalPolicy ??= RemovalPolicy.RETAIN;
        defaults.DeletionProtection ??= false;
        var props = PropsMerger.Merge(defaults, overrides);
        var table = new Table(scope, id, props);
        if (overrides?.PointInTimeRecovery == false)
        {
            Warnings.Add(table, constructName, "tableRecovery", $"{id}: point-in-time recovery is off.");
        }

        return table;
    }
}
