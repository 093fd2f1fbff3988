using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>The resources the workflows keep state in: the backup bucket and its key, the lock table, the notification topic.</summary>
internal sealed record BackupResources(IBucket Bucket, IKey Key, ITable LockTable, ITopic Topic, IKey? TopicKey);

/// <summary>Creates (or takes) the backup bucket, its key, the lock table and the topic, and writes the bucket and key policies.</summary>
internal static class BackupStore
{
    /// <summary>Key prefix of every backup: <c>backups/&lt;environment&gt;/</c>.</summary>
    public static string Prefix(string environmentName) => $"backups/{environmentName}/";

    public static BackupResources Create(Construct scope, MwaaSchedulerProps p)
    {
        var key = p.BackupBucketEncryptionKey ?? new Key(scope, "BackupKey", new KeyProps
        {
            Description = $"Encrypts the MWAA backups of {p.EnvironmentName} (configuration, metadata, connection and variable secrets).",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var bucket = p.ExistingBackupBucket ?? SecureBucket.Create(scope, "BackupBucket", Overrides(p.BackupBucketProps), key, nameof(MwaaScheduler));

        var table = p.ExistingLockTable ?? LockTable(scope);

        IKey? topicKey = null;
        var topic = p.ExistingNotificationTopic;
        if (topic is null)
        {
            topicKey = p.NotificationTopicEncryptionKey ?? new Key(scope, "NotificationKey", new KeyProps
            {
                Description = $"Encrypts the pause/resume notifications of {p.EnvironmentName}.",
                EnableKeyRotation = true,
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            var created = new Topic(scope, "NotificationTopic", new TopicProps
            {
                DisplayName = "MwaaScheduler notifications",
                MasterKey = topicKey,
            });
            // Written out: CDK 2.160's EnforceSSL adds its statement only once some other statement exists.
            created.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "PublishThroughTlsOnly",
                Effect = Effect.DENY,
                Principals = [new AnyPrincipal()],
                Actions = ["sns:Publish"],
                Resources = [created.TopicArn],
                Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
            }));
            topic = created;
        }

        return new BackupResources(bucket, key, table, topic, topicKey);
    }

    /// <summary>Our lifecycle on top of the house bucket defaults: old versions go after 30 days, uploads left behind after 1 day.</summary>
    private static BucketProps Overrides(BucketProps? user)
    {
        var lifecycle = new BucketProps
        {
            LifecycleRules =
            [
                new LifecycleRule { Id = "AbortIncompleteMultipartUploads", AbortIncompleteMultipartUploadAfter = Duration.Days(1) },
                new LifecycleRule { Id = "ExpireNoncurrentVersions", NoncurrentVersionExpiration = Duration.Days(30), ExpiredObjectDeleteMarker = true },
            ],
        };
        return PropsMerger.Merge(lifecycle, user);
    }

    private static Table LockTable(Construct scope)
    {
        // Locks only live for one workflow run (their TTL is the workflow's timeout): nothing to recover, so no
        // point-in-time recovery, and the table may go with the stack.
        var table = SecureTable.Create(scope, "LockTable", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
            TimeToLiveAttribute = "ttl",
            PointInTimeRecovery = false,
            RemovalPolicy = RemovalPolicy.DESTROY,
        }, null, nameof(MwaaScheduler));
        NagSuppressions.Add(table, new NagSuppression("AwsSolutions-DDB3",
            "The table holds only short-lived locks (one item per environment, expiring with the workflow's timeout); there is nothing to recover to a point in time."));
        return table;
    }

    /// <summary>
    /// The bucket and key policies (our own bucket and key only; an imported one keeps its policies): the execution role
    /// reads and writes its environment's backups with this key; objects are written only under this key; secret files
    /// are readable by the execution role and the backup catalog only.
    /// </summary>
    public static void AddPolicies(IBucket bucket, IKey key, string executionRoleArn, string environmentName, IRole catalogRole)
    {
        var executionRole = new ArnPrincipal(executionRoleArn);
        var prefix = Prefix(environmentName);
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ExecutionRoleReadsAndWritesBackups",
            Principals = [executionRole],
            Actions = ["s3:GetObject", "s3:PutObject"],
            Resources = [bucket.ArnForObjects(prefix + "*")],
        }));
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ExecutionRoleListsBackups",
            Principals = [executionRole],
            Actions = ["s3:ListBucket"],
            Resources = [bucket.BucketArn],
            Conditions = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = prefix + "*" } },
        }));
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyObjectsNotEncryptedWithTheBackupKey",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:PutObject"],
            Resources = [bucket.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEqualsIfExists"] = new Dictionary<string, object> { ["s3:x-amz-server-side-encryption-aws-kms-key-id"] = key.KeyArn },
            },
        }));
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenySecretsToAnyoneElse",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:GetObject"],
            Resources = [bucket.ArnForObjects("backups/*/secrets/*")],
            Conditions = new Dictionary<string, object>
            {
                ["ArnNotEquals"] = new Dictionary<string, object> { ["aws:PrincipalArn"] = new[] { executionRoleArn, catalogRole.RoleArn } },
            },
        }));
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ExecutionRoleUsesTheKeyThroughS3",
            Principals = [executionRole],
            Actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"s3.{Stack.Of(key).Region}.amazonaws.com" },
            },
        }));
    }
}
