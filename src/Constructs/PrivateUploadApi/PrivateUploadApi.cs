using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>
/// A VPC-only, IAM-authorised upload API for files of any size: a PRIVATE REST API reachable only through an
/// <c>execute-api</c> endpoint, whose bundled functions decide the object key (under a prefix scoped to the calling IAM
/// principal), the content-type allowlist, the size limit and the part size, and hand out short-lived presigned POST forms
/// (small files) or multipart part URLs minted on demand (large ones); tiny files can be sent through the API itself. The
/// bucket refuses presigned uploads from outside the VPC, aborts abandoned multipart uploads by lifecycle, and every
/// completed upload is published as <c>Upload.Completed</c>. See docs/PrivateUploadApi.md.
/// </summary>
public class PrivateUploadApi : Construct
{
    private const string Name = nameof(PrivateUploadApi);

    /// <summary>Default largest upload: 5 GiB.</summary>
    public const double DefaultMaxUploadBytes = 5d * 1024 * 1024 * 1024;

    /// <summary>Default largest direct upload (<c>PUT /files/{fileName}</c>): 4 MiB.</summary>
    public const double DefaultDirectUploadMaxBytes = 4d * 1024 * 1024;

    /// <summary>Default key prefix.</summary>
    public const string DefaultKeyPrefix = "uploads";

    /// <summary>Abandoned uploads (sessions expired by TTL) per hour at which the alarm fires.</summary>
    public const double AbandonedUploadsAlarmThreshold = 10;

    /// <summary>p99 latency (milliseconds) the latency alarm fires above, for three five-minute periods.</summary>
    public const double LatencyAlarmMilliseconds = 5000;

    /// <summary>The default content-type allowlist.</summary>
    public static IReadOnlyList<string> DefaultAllowedContentTypes { get; } =
    [
        "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv", "application/json", "application/zip",
    ];

    /// <summary>The default time a presigned form or part URL stays valid: 15 minutes.</summary>
    public static Duration DefaultUrlExpiry => Duration.Minutes(15);

    /// <summary>The default time before the lifecycle rule aborts an incomplete multipart upload: 1 day.</summary>
    public static Duration DefaultAbortIncompleteUploadsAfter => Duration.Days(1);

    private readonly RestApi _api;

    /// <summary>The VPC the API is reachable from (given or created).</summary>
    public IVpc Vpc { get; }

    /// <summary>The <c>execute-api</c> interface endpoint: the API's only way in (given or created).</summary>
    public IInterfaceVpcEndpoint ApiEndpoint { get; }

    /// <summary>The bucket uploads land in, under <see cref="KeyPrefix"/> (given or created). Feed it to a processing construct.</summary>
    public IBucket Bucket { get; }

    /// <summary>The upload-session table and ledger of completed uploads (partition key <c>pk</c>, TTL <c>ttl</c>).</summary>
    public ITable SessionTable { get; }

    /// <summary>The bus <c>Upload.Completed</c> is published on.</summary>
    public IEventBus EventBus { get; }

    /// <summary>The PRIVATE REST API.</summary>
    public IRestApi Api => _api;

    /// <summary>The API's invoke URL (<c>https://{api-id}.execute-api.{region}.amazonaws.com/v1/</c>); from the VPC it resolves through the endpoint when its private DNS is on.</summary>
    public string Url { get; }

    /// <summary>The bundled function behind POST /uploads, POST /uploads/{id}/parts, GET and DELETE /uploads/{id}.</summary>
    public IFunction SessionsFunction { get; }

    /// <summary>The bundled function behind POST /uploads/{id}/complete.</summary>
    public IFunction CompleterFunction { get; }

    /// <summary>The bundled function behind PUT /files/{fileName}.</summary>
    public IFunction DirectUploadFunction { get; }

    /// <summary>The alarms created (empty when CreateAlarms is false).</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>The first key segment of every upload.</summary>
    public string KeyPrefix { get; }

    /// <summary>Creates the upload API.</summary>
    public PrivateUploadApi(Construct scope, string id, PrivateUploadApiProps? props = null)
        : base(scope, id)
    {
        props ??= new PrivateUploadApiProps();
        PrivateUploadApiValidation.Validate(props);
        KeyPrefix = props.KeyPrefix ?? DefaultKeyPrefix;
        var allowed = props.AllowedContentTypes ?? DefaultAllowedContentTypes;
        var abortAfter = props.AbortIncompleteUploadsAfter ?? DefaultAbortIncompleteUploadsAfter;
        var urlExpiry = props.UrlExpiry ?? DefaultUrlExpiry;
        var restricted = props.RestrictBucketToVpc ?? true;
        EmitWarnings(props, restricted);

        // Resources: existing or created through the Core builders.
        Vpc = props.ExistingVpc ?? UploadNetwork.CreateVpc(this);
        if (props.ExistingVpc is null)
        {
            UploadNetwork.CreateS3Endpoint(this, Vpc);
        }

        ApiEndpoint = props.ExistingApiEndpoint ?? UploadNetwork.CreateApiEndpoint(this, Vpc, props.ApiEndpointPrivateDns ?? true);
        Bucket = props.ExistingBucket ?? CreateBucket(props, abortAfter);
        SessionTable = props.ExistingSessionTable ?? SecureTable.Create(this, "SessionTable", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
            TimeToLiveAttribute = "ttl",
        }, null, Name);
        EventBus = props.ExistingEventBus ?? Amazon.CDK.AWS.Events.EventBus.FromEventBusName(this, "EventBus", "default");

        // Bundled handlers: one zip, three entry points, the same settings.
        var environment = new Dictionary<string, string>
        {
            ["UPLOAD_BUCKET"] = Bucket.BucketName,
            ["SESSION_TABLE"] = SessionTable.TableName,
            ["KEY_PREFIX"] = KeyPrefix,
            ["ALLOWED_CONTENT_TYPES"] = string.Join(",", allowed),
            ["MAX_UPLOAD_BYTES"] = Bytes(props.MaxUploadBytes ?? DefaultMaxUploadBytes),
            ["DIRECT_MAX_BYTES"] = Bytes(props.DirectUploadMaxBytes ?? DefaultDirectUploadMaxBytes),
            ["URL_EXPIRY_SECONDS"] = Bytes(urlExpiry.ToSeconds()),
            ["SESSION_TTL_SECONDS"] = Bytes(SessionLifetime(abortAfter, urlExpiry).ToSeconds()),
            ["EVENT_BUS_NAME"] = EventBus.EventBusName,
        };
        var logLevel = (props.LogLevel ?? "INFO").ToUpperInvariant();
        SessionsFunction = Function("SessionsFunction", BundledHandlers.PrivateUploadSessions, 256, Duration.Seconds(10), environment, logLevel,
            "PrivateUploadApi sessions: starts uploads (presigned POST or multipart), mints part URLs, reads and aborts sessions.");
        CompleterFunction = Function("CompleterFunction", BundledHandlers.PrivateUploadCompleter, 256, Duration.Seconds(29), environment, logLevel,
            "PrivateUploadApi completer: checks the parts S3 holds against the session, completes the upload, publishes Upload.Completed.");
        DirectUploadFunction = Function("DirectUploadFunction", BundledHandlers.PrivateUploadDirect, 512, Duration.Seconds(29), environment, logLevel,
            "PrivateUploadApi direct upload: writes a small file sent through the API under the server-chosen key, publishes Upload.Completed.");

        // Wiring: the API in front of the functions.
        _api = UploadRestApi.Create(this, new UploadApiSettings(ApiEndpoint, SessionsFunction, CompleterFunction, DirectUploadFunction,
            allowed.Where(t => t != "application/json").ToList(), props.ThrottlingRateLimit ?? 50, props.ThrottlingBurstLimit ?? 100));
        Url = _api.Url;

        // Least privilege per function, then the bucket policy that names their roles.
        var objects = UploadGrants.Apply(this);
        if (restricted)
        {
            RestrictBucket(props);
        }

        CdkHelperFunctions.Harden(this);
        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props) : [];
        Suppressions.Apply(this, objects);
    }

    /// <summary>How long an upload session lives: the abort-after window plus one URL lifetime (a URL minted at the end still works).</summary>
    internal static Duration SessionLifetime(Duration abortAfter, Duration urlExpiry) => Duration.Seconds(abortAfter.ToSeconds() + urlExpiry.ToSeconds());

    /// <summary>Lets <paramref name="grantee"/> upload: execute-api:Invoke on exactly the six upload routes of the <c>v1</c> stage.</summary>
    public Grant GrantUpload(IGrantable grantee) => Grant.AddToPrincipal(new GrantOnPrincipalOptions
    {
        Grantee = grantee,
        Actions = ["execute-api:Invoke"],
        ResourceArns = UploadRestApi.Routes.Select(r => _api.ArnForExecuteApi(r.Method, r.Path, UploadRestApi.StageName)).ToArray(),
    });

    /// <summary>Requests answered with a 5xx by the API (sum over five minutes by default).</summary>
    public Metric MetricServerErrors(IMetricOptions? options = null) => _api.MetricServerError(options ?? AlarmFactory.Sum5Min);

    /// <summary>The API's p99 latency in milliseconds, request to response (over five minutes by default).</summary>
    public Metric MetricLatency(IMetricOptions? options = null) =>
        _api.MetricLatency(options ?? new MetricOptions { Statistic = "p99", Period = Duration.Minutes(5) });

    /// <summary>
    /// Abandoned uploads: sessions DynamoDB deleted by TTL (completed sessions have no TTL, so only uploads never completed
    /// expire). <c>TimeToLiveDeletedItemCount</c> of the session table, sum over one hour by default.
    /// </summary>
    public Metric MetricAbandonedUploads(IMetricOptions? options = null)
    {
        var metric = new Metric(new MetricProps
        {
            Namespace = "AWS/DynamoDB",
            MetricName = "TimeToLiveDeletedItemCount",
            DimensionsMap = new Dictionary<string, string> { ["TableName"] = SessionTable.TableName },
            Statistic = "Sum",
            Period = Duration.Hours(1),
        });
        return options is null ? metric : metric.With(options);
    }

    private Bucket CreateBucket(PrivateUploadApiProps props, Duration abortAfter)
    {
        // The abort rule is the pattern's (its window sizes the session TTL); the user's rules are added to ours.
        ILifecycleRule[] rules =
        [
            new LifecycleRule { Id = "AbortIncompleteMultipartUploads", AbortIncompleteMultipartUploadAfter = abortAfter },
            new LifecycleRule { Id = "ExpireNoncurrentVersions", NoncurrentVersionExpiration = Duration.Days(30) },
            .. props.BucketProps?.LifecycleRules ?? [],
        ];
        var overrides = PropsMerger.Merge(props.BucketProps ?? new BucketProps(), new BucketProps { LifecycleRules = rules });
        return SecureBucket.Create(this, "Bucket", overrides, props.BucketEncryptionKey, Name);
    }

    /// <summary>
    /// The bucket policy of <see cref="PrivateUploadApiProps.RestrictBucketToVpc"/>: (a) a presigned URL or POST form (any
    /// request not signed in its headers) writes only from inside the VPC, whoever signed it; (b) a header-signed write from
    /// outside the VPC only by the construct's functions and the <see cref="PrivateUploadApiProps.OutsideVpcWriters"/>.
    /// </summary>
    private void RestrictBucket(PrivateUploadApiProps props)
    {
        var exempt = new[] { SessionsFunction, CompleterFunction, DirectUploadFunction }.Select(f => f.Role!.RoleArn)
            .Concat((props.OutsideVpcWriters ?? []).Select(r => r.RoleArn))
            .ToArray();
        var presigned = Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyPresignedUploadsFromOutsideTheVpc",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:PutObject"],
            Resources = [Bucket.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { ["aws:SourceVpc"] = Vpc.VpcId, ["s3:authType"] = "REST-HEADER" },
            },
        }));
        Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyOtherWritersFromOutsideTheVpc",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:PutObject"],
            Resources = [Bucket.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { ["aws:SourceVpc"] = Vpc.VpcId },
                ["ArnNotEquals"] = new Dictionary<string, object> { ["aws:PrincipalArn"] = exempt },
            },
        }));
        if (!presigned.StatementAdded)
        {
            Warnings.Add(this, Name, "bucketPolicyNotApplied",
                "ExistingBucket is imported, so CDK cannot add to its bucket policy: presigned uploads are not limited to the VPC. Add the two deny statements of docs/PrivateUploadApi.md (\"Bucket policy\") to the bucket's policy yourself.");
        }
    }

    private Function Function(string id, BundledHandler handler, double memory, Duration timeout, IReadOnlyDictionary<string, string> environment,
        string logLevel, string description) =>
        HandlerFunctions.CreateBundled(this, id, handler, new FunctionSettings
        {
            Description = description,
            MemorySize = memory,
            Timeout = timeout,
            Environment = environment,
            LogLevel = logLevel,
        });

    private List<IAlarm> CreateAlarms(PrivateUploadApiProps props)
    {
        var scope = new Construct(this, "Alarms");
        var alarms = new AlarmFactory(scope, props.AlarmTopic);
        alarms.AtLeast("ServerErrorsAlarm", MetricServerErrors(), 1,
            "The upload API answered with a 5xx (a function failed, timed out or was throttled, or S3/DynamoDB asked to retry): see the functions' logs.");
        alarms.AtLeast("SessionsErrorsAlarm", SessionsFunction.MetricErrors(AlarmFactory.Sum5Min), 1, "The upload sessions function failed (callers saw 5xx).");
        alarms.AtLeast("CompleterErrorsAlarm", CompleterFunction.MetricErrors(AlarmFactory.Sum5Min), 1, "The upload completer function failed (callers saw 5xx; completing again is safe).");
        alarms.AtLeast("DirectUploadErrorsAlarm", DirectUploadFunction.MetricErrors(AlarmFactory.Sum5Min), 1, "The direct upload function failed (callers saw 5xx).");
        alarms.AtLeast("AbandonedUploadsAlarm", MetricAbandonedUploads(), AbandonedUploadsAlarmThreshold,
            "Ten or more upload sessions expired in an hour without being completed: clients are failing or giving up (their parts are aborted by the bucket's lifecycle rule).");

        // Latency needs three periods in a row, which the factory's one-period alarms do not express.
        var latency = new Alarm(scope, "LatencyAlarm", new AlarmProps
        {
            Metric = MetricLatency(),
            Threshold = LatencyAlarmMilliseconds,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 3,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = "The upload API's p99 latency was above 5 seconds for 15 minutes (completing a large upload or S3 slowing down).",
        });
        if (props.AlarmTopic is { } topic)
        {
            latency.AddAlarmAction(new SnsAction(topic));
            latency.AddOkAction(new SnsAction(topic));
        }

        return [.. alarms.Alarms, latency];
    }

    private void EmitWarnings(PrivateUploadApiProps props, bool restricted)
    {
        if (props.ExistingApiEndpoint is not null && props.ApiEndpointPrivateDns is not null)
        {
            Warnings.Add(this, Name, "privateDnsIgnored",
                "ApiEndpointPrivateDns applies to the endpoint the construct creates, but ExistingApiEndpoint was given: its private DNS setting is the endpoint's own.");
        }

        if (!restricted)
        {
            Warnings.Add(this, Name, "bucketNotRestrictedToVpc",
                "RestrictBucketToVpc is false: a presigned URL or POST form works from anywhere on the internet until it expires, for whoever holds it.");
        }
    }

    private static string Bytes(double value) => ((long)value).ToString(CultureInfo.InvariantCulture);
}
