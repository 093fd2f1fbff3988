using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>Properties of a <see cref="PrivateUploadApi"/>. None is required: the defaults give a complete, secure pattern in a new VPC.</summary>
public sealed class PrivateUploadApiProps
{
    // 1. Bring your own resources.

    /// <summary>
    /// The VPC callers upload from: the API is reachable only through an <c>execute-api</c> endpoint in it, and (with
    /// <see cref="RestrictBucketToVpc"/>) presigned uploads into the bucket are accepted only from it. Give it an S3 gateway
    /// (or interface) endpoint: the bucket policy tests <c>aws:SourceVpc</c>, which S3 sees only on requests through a VPC
    /// endpoint, so uploads through a NAT gateway are denied; the construct adds no endpoint to your VPC. Imported
    /// with <c>Vpc.FromLookup</c> or with <c>VpcCidrBlock</c> when the construct creates the API endpoint (its security group
    /// admits HTTPS from the VPC's CIDR). Default: a new two-AZ VPC with isolated subnets only (no NAT gateway), an S3 gateway
    /// endpoint and flow logs of rejected traffic.
    /// </summary>
    public IVpc? ExistingVpc { get; init; }

    /// <summary>
    /// The <c>execute-api</c> interface endpoint the API is reachable through (only through it: the API's resource policy
    /// denies every other source). Requires <see cref="ExistingVpc"/>, the endpoint's VPC. Default: a new endpoint in the VPC
    /// with its own security group admitting HTTPS from the VPC's CIDR, private DNS per <see cref="ApiEndpointPrivateDns"/>.
    /// </summary>
    public IInterfaceVpcEndpoint? ExistingApiEndpoint { get; init; }

    /// <summary>
    /// The bucket uploads are written to (under <see cref="KeyPrefix"/>). With <see cref="RestrictBucketToVpc"/> the
    /// construct adds its deny statements to the bucket's policy, which CDK can do only for a bucket defined in this app;
    /// an imported bucket gets a warning and you add them yourself. Add a lifecycle rule that aborts incomplete multipart
    /// uploads to your bucket. Default: a new private, versioned bucket (see <see cref="BucketProps"/>).
    /// </summary>
    public IBucket? ExistingBucket { get; init; }

    /// <summary>
    /// The upload-session table: partition key <c>pk</c> (string), no sort key, TTL on <c>ttl</c>. Completed uploads stay
    /// in it as the ledger of uploads. Default: a new on-demand table with point-in-time recovery, retained on stack deletion.
    /// </summary>
    public ITable? ExistingSessionTable { get; init; }

    /// <summary>The bus <c>Upload.Completed</c> is published on (source <c>patterns-cdk.uploads</c>). Default: the account's default event bus.</summary>
    public IEventBus? ExistingEventBus { get; init; }

    // 2. Overrides of created resources.

    /// <summary>
    /// Overrides for the created bucket; <c>LifecycleRules</c> you give are added to the construct's two (abort incomplete
    /// multipart uploads after <see cref="AbortIncompleteUploadsAfter"/>, expire noncurrent versions after 30 days). Default:
    /// block all public access, bucket owner enforced, SSE-S3 (or <see cref="BucketEncryptionKey"/>), TLS-only, versioned, no
    /// CORS, retained on stack deletion.
    /// </summary>
    public BucketProps? BucketProps { get; init; }

    // 3. Safety switches.

    /// <summary>Create CloudWatch alarms (API 5xx, p99 latency, each function's errors, abandoned uploads). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>SNS topic notified when an alarm changes state (ALARM and OK). Default: none (alarms are visible in CloudWatch only).</summary>
    public ITopic? AlarmTopic { get; init; }

    /// <summary>
    /// Deny <c>s3:PutObject</c> into the bucket from outside the VPC, except header-signed requests of the construct's own
    /// functions and <see cref="OutsideVpcWriters"/>: presigned URLs and POST forms then work only from inside the VPC,
    /// whoever signed them. Default: true.
    /// </summary>
    public bool? RestrictBucketToVpc { get; init; }

    /// <summary>
    /// Roles that may still write into the bucket from outside the VPC with header-signed requests (for example the
    /// processor of a construct that consumes the bucket), in addition to the construct's own functions. Only with
    /// <see cref="RestrictBucketToVpc"/>. They still need their own s3:PutObject permission. Default: none.
    /// </summary>
    public IReadOnlyList<IRole>? OutsideVpcWriters { get; init; }

    /// <summary>
    /// How long an incomplete multipart upload may sit before the bucket's lifecycle rule aborts it and frees its parts
    /// (1-30 whole days); an upload session lives this long plus <see cref="UrlExpiry"/>. Only for the bucket the construct
    /// creates. Default: 1 day.
    /// </summary>
    public Duration? AbortIncompleteUploadsAfter { get; init; }

    // 4. Encryption keys.

    /// <summary>Customer-managed KMS key for the created bucket (SSE-KMS with a bucket key); the functions are granted what S3 needs of it. Default: S3-managed encryption (SSE-S3).</summary>
    public IKey? BucketEncryptionKey { get; init; }

    // 5. Handler and API tuning.

    /// <summary>Application log level of the bundled functions (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Steady-state requests per second the API's stage accepts (1-10,000). Default: 50.</summary>
    public double? ThrottlingRateLimit { get; init; }

    /// <summary>Burst of requests the API's stage accepts (a whole number, 1-5,000). Default: 100.</summary>
    public double? ThrottlingBurstLimit { get; init; }

    /// <summary>
    /// Private DNS on the <c>execute-api</c> endpoint the construct creates: the API's default host name
    /// (<c>{api-id}.execute-api.{region}.amazonaws.com</c>) then resolves to the endpoint inside the VPC. It also makes every
    /// <c>*.execute-api</c> host name resolve there, so public (Regional, edge) APIs on their default host names can no
    /// longer be called from that VPC. Turned off, callers use the endpoint's own DNS name with the <c>x-apigw-api-id</c>
    /// header (docs/PrivateUploadApi.md). Ignored, with a warning, with <see cref="ExistingApiEndpoint"/>. Default: true.
    /// </summary>
    public bool? ApiEndpointPrivateDns { get; init; }

    // 6. The pattern's semantics.

    /// <summary>
    /// The first key segment of every upload (<c>&lt;KeyPrefix&gt;/&lt;caller&gt;/&lt;uploadId&gt;/&lt;fileName&gt;</c>): lower-case
    /// letters, digits and '-', 1-63 characters, starting with a letter or digit. The functions may write only under it.
    /// Default: <c>uploads</c>.
    /// </summary>
    public string? KeyPrefix { get; init; }

    /// <summary>
    /// The content types callers may upload, each <c>type/subtype</c> in lower case without parameters or wildcards. All
    /// but <c>application/json</c> are the API's binary media types (passed to the direct-upload function unchanged).
    /// Default: image/jpeg, image/png, image/gif, image/webp, application/pdf, text/plain, text/csv, application/json,
    /// application/zip.
    /// </summary>
    public IReadOnlyList<string>? AllowedContentTypes { get; init; }

    /// <summary>Largest upload in bytes (a whole number, 1 byte-5 TiB). Default: 5 GiB.</summary>
    public double? MaxUploadBytes { get; init; }

    /// <summary>
    /// Largest body of a direct upload (<c>PUT /files/{fileName}</c>) in bytes (a whole number, 1 byte-4 MiB: the body reaches
    /// the function base64-encoded inside Lambda's 6 MB payload). Larger files use <c>POST /uploads</c>. Default: 4 MiB.
    /// </summary>
    public double? DirectUploadMaxBytes { get; init; }

    /// <summary>
    /// How long a presigned POST form or part URL stays valid (1-60 minutes, whole seconds); the client fetches fresh part
    /// URLs when one has expired. Default: 15 minutes.
    /// </summary>
    public Duration? UrlExpiry { get; init; }
}
