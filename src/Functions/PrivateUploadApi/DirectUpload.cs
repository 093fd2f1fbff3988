using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi.Api;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// <c>PUT /files/{fileName}</c>: a small file in one request through the API. The body is the file (base64 when API
/// Gateway marks it so, which it does for the binary media types, else UTF-8 text), at most <c>DIRECT_MAX_BYTES</c>
/// (4 MiB at most: Lambda's 6 MB payload carries it base64-encoded); its <c>Content-Type</c> must be allowed. The server
/// writes it under its own key with its SHA-256 (S3 checks it), records a completed session and publishes
/// <c>Upload.Completed</c>. 201 <c>{"uploadId","key","size","contentType","sha256"}</c>. Handler string: <c>DirectUpload</c>.
/// </summary>
public sealed class DirectUpload
{
    private static readonly HashSet<UploadRouteKind> Served = [UploadRouteKind.Direct];

    private readonly UploadSettings _settings;
    private readonly UploadStorage _storage;
    private readonly UploadSessionStore _sessions;
    private readonly UploadEvents _events;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public DirectUpload()
        : this(UploadSettings.FromEnvironment(Environment.GetEnvironmentVariable, nameof(DirectUpload), UploadSettingsNeeds.ContentTypes))
    {
    }

    /// <summary>The seam for tests and in-process hosts: any S3 and DynamoDB client, an EventBridge stand-in (any endpoint), the settings, a log and a clock.</summary>
    public DirectUpload(
        IAmazonS3 s3, IAmazonDynamoDB dynamoDb, AmazonEventBridgeClientStandIn eventBridge, UploadSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(eventBridge);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _storage = new UploadStorage(s3, settings.Bucket);
        _sessions = new UploadSessionStore(dynamoDb, settings.Table);
        _events = new UploadEvents(eventBridge, settings.EventBusName);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    private DirectUpload(UploadSettings settings)
        : this(AwsClients.CreateS3(), AwsClients.CreateDynamoDb(), AwsClients.CreateEventBridge(settings.EventBridgeEndpoint), settings)
    {
    }

    /// <summary>Lambda entry point: a REST API proxy event in, a proxy response out.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        RestApiProxyRequest request = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.RestApiProxyRequest);
        RestApiProxyResponse response = await HandleAsync(request);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.RestApiProxyResponse);
    });

    internal Task<RestApiProxyResponse> HandleAsync(RestApiProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return UploadApiPipeline.RunAsync(request, Served, (route, caller, req, outcome) => UploadAsync(route.Parameter, caller, req, outcome), _log);
    }

    private async Task<RestApiProxyResponse> UploadAsync(string? fileName, string caller, RestApiProxyRequest request, RequestOutcome outcome)
    {
        if (UploadRules.FileNameProblem(fileName) is { } nameProblem)
        {
            throw RequestRefusedException.InvalidFileName(nameProblem);
        }

        string? declaredType = request.Header("Content-Type");
        string contentType = UploadRules.AllowedContentType(declaredType, _settings.AllowedContentTypes)
            ?? throw RequestRefusedException.UnsupportedContentType(declaredType, _settings.AllowedContentTypes);

        // Refused before decoding: a body over the cap is never materialised.
        if (UploadRequest.DecodedLength(request) > _settings.DirectMaxBytes)
        {
            throw RequestRefusedException.TooLarge(_settings.DirectMaxBytes, "the body");
        }

        byte[] content = UploadRequest.BodyBytes(request);
        if (content.Length > _settings.DirectMaxBytes)
        {
            throw RequestRefusedException.TooLarge(_settings.DirectMaxBytes, "the body");
        }

        string sha256 = Convert.ToBase64String(SHA256.HashData(content));
        string uploadId = UploadRules.NewUploadId();
        string key = UploadRules.ObjectKey(_settings.KeyPrefix, caller, uploadId, fileName!);
        outcome.UploadId = uploadId;
        outcome.Mode = "direct";
        outcome.Size = content.Length;

        string etag = await _storage.PutAsync(key, content, contentType, sha256);
        DateTimeOffset now = SessionAccess.Truncate(_clock.GetUtcNow());
        await _sessions.CreateAsync(new UploadSession
        {
            UploadId = uploadId,
            Owner = caller,
            Key = key,
            Mode = UploadMode.Single,
            State = SessionStates.Completed,
            FileName = fileName!,
            ContentType = contentType,
            Size = content.Length,
            PartSize = content.Length,
            PartCount = 1,
            Sha256 = sha256,
            CreatedAt = now,
            ExpiresAt = now,
            Etag = etag,
            ObjectSha256 = sha256,
            CompletedAt = now,
        });
        await _events.PublishCompletedAsync(
            new UploadCompletedDetail
            {
                UploadId = uploadId,
                Bucket = _storage.Bucket,
                Key = key,
                Size = content.Length,
                ContentType = contentType,
                FileName = fileName!,
                Owner = caller,
                Etag = etag,
                Sha256 = sha256,
                CompletedAt = UploadSessionStore.Iso(now),
            },
            now);

        outcome.Message = "file uploaded directly";
        return ApiResponses.Json(201, new DirectBody(uploadId, key, content.Length, contentType, sha256), UploadJsonContext.Default.DirectBody);
    }
}
