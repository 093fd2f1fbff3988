using Amazon.DynamoDBv2;
using Amazon.S3;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi.Api;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// <c>POST /uploads/{id}/complete</c>. The server checks what S3 holds, never the client's word: for a multipart upload
/// it lists every part (all pages of ListParts), requires exactly parts 1..partCount of the planned sizes (409
/// <c>MissingParts</c> with the numbers, or <c>SizeMismatch</c>) and completes with the listed ETags in ascending order;
/// for a single upload it reads the object's size and type (409 <c>NotUploaded</c> or <c>SizeMismatch</c>). Then it
/// publishes <c>Upload.Completed</c> and marks the session completed (its TTL removed). Completing again answers the
/// same 200; a failure after S3 completed is retried safely (the event is published at least once).
/// Handler string: <c>UploadCompleter</c>.
/// </summary>
public sealed class UploadCompleter
{
    private static readonly HashSet<UploadRouteKind> Served = [UploadRouteKind.Complete];

    private readonly UploadStorage _storage;
    private readonly UploadSessionStore _sessions;
    private readonly UploadEvents _events;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public UploadCompleter()
        : this(UploadSettings.FromEnvironment(Environment.GetEnvironmentVariable, nameof(UploadCompleter), UploadSettingsNeeds.None))
    {
    }

    /// <summary>The seam for tests and in-process hosts: any S3 and DynamoDB client, an EventBridge stand-in (any endpoint), the settings, a log and a clock.</summary>
    public UploadCompleter(
        IAmazonS3 s3, IAmazonDynamoDB dynamoDb, AmazonEventBridgeClientStandIn eventBridge, UploadSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(eventBridge);
        ArgumentNullException.ThrowIfNull(settings);
        _storage = new UploadStorage(s3, settings.Bucket);
        _sessions = new UploadSessionStore(dynamoDb, settings.Table);
        _events = new UploadEvents(eventBridge, settings.EventBusName);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    private UploadCompleter(UploadSettings settings)
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
        return UploadApiPipeline.RunAsync(request, Served, (route, caller, _, outcome) => CompleteAsync(route.Parameter, caller, outcome), _log);
    }

    private async Task<RestApiProxyResponse> CompleteAsync(string? uploadId, string caller, RequestOutcome outcome)
    {
        SessionAccess.CheckUploadId(uploadId, outcome);
        UploadSession session = await SessionAccess.LoadOwnedAsync(_sessions, uploadId!, caller, outcome);
        if (session.State == SessionStates.Completed)
        {
            outcome.Message = "upload already completed; the same result is returned";
            return Completed(session);
        }

        if (session.State is not (SessionStates.Open or SessionStates.Completing))
        {
            throw RequestRefusedException.NotOpen(session.State);
        }

        // The checks first (a refused completion leaves the session open, to add the missing parts or abort), then the
        // claim (open → completing, one conditional write that an abort cannot pass), then S3's completion.
        string etag;
        string? sha256;
        if (session.Mode == UploadMode.Multipart)
        {
            (List<ListedPart>? ascending, string? assembled) = await CheckMultipartAsync(session, outcome);
            if (await ClaimAsync(session) is { } won)
            {
                outcome.Message = "upload already completed; the same result is returned";
                return Completed(won);
            }

            etag = assembled ?? await _storage.CompleteAsync(session.Key, session.S3UploadId!, ascending!);
            sha256 = null;
        }
        else
        {
            (etag, sha256) = await CheckSingleAsync(session);
            if (await ClaimAsync(session) is { } won)
            {
                outcome.Message = "upload already completed; the same result is returned";
                return Completed(won);
            }
        }

        DateTimeOffset completedAt = SessionAccess.Truncate(_clock.GetUtcNow());
        await _events.PublishCompletedAsync(
            new UploadCompletedDetail
            {
                UploadId = session.UploadId,
                Bucket = _storage.Bucket,
                Key = session.Key,
                Size = session.Size,
                ContentType = session.ContentType,
                FileName = session.FileName,
                Owner = session.Owner,
                Etag = etag,
                Sha256 = sha256,
                CompletedAt = UploadSessionStore.Iso(completedAt),
            },
            completedAt);

        UploadSession done = session with { State = SessionStates.Completed, Etag = etag, ObjectSha256 = sha256, CompletedAt = completedAt };
        if (!await _sessions.MarkCompletedAsync(session.UploadId, etag, sha256, completedAt))
        {
            // A concurrent completion won: answer from the stored state.
            UploadSession stored = await _sessions.GetAsync(session.UploadId) ?? done;
            if (stored.State != SessionStates.Completed)
            {
                throw RequestRefusedException.NotOpen(stored.State);
            }

            done = stored;
        }

        outcome.Message = "upload completed";
        return Completed(done);
    }

    /// <summary>
    /// Claims an open session for this completion. Null when it is this completion's to finish (claimed now, or
    /// <c>completing</c> already: an interrupted completion that this call takes over, which is harmless); the
    /// session when another completion finished it meanwhile. Throws when it was aborted meanwhile.
    /// </summary>
    private async Task<UploadSession?> ClaimAsync(UploadSession session)
    {
        if (session.State == SessionStates.Completing || await _sessions.MarkCompletingAsync(session.UploadId))
        {
            return null;
        }

        UploadSession now = await _sessions.GetAsync(session.UploadId) ?? session;
        return now.State switch
        {
            SessionStates.Completed => now,
            SessionStates.Completing => null,
            _ => throw RequestRefusedException.NotOpen(now.State),
        };
    }

    /// <summary>The parts to complete, ascending; or, when S3 already assembled the object (an earlier attempt that
    /// failed afterwards), its ETag.</summary>
    private async Task<(List<ListedPart>? Ascending, string? AssembledETag)> CheckMultipartAsync(UploadSession session, RequestOutcome outcome)
    {
        IReadOnlyList<ListedPart>? listed = await _storage.ListPartsAsync(session.Key, session.S3UploadId!);
        if (listed is null)
        {
            // S3 has no such upload any more: completed by an earlier attempt that failed afterwards, or aborted.
            if (await _storage.HeadAsync(session.Key) is { } existing && existing.Size == session.Size)
            {
                return (null, existing.ETag);
            }

            throw RequestRefusedException.NotOpen(SessionStates.Aborted);
        }

        outcome.Parts = listed.Count;
        CompletionCheck check = UploadRules.CheckCompletion(session.Size, session.Plan, listed.Select(p => p.ToStored()));
        if (check.MissingParts.Count > 0)
        {
            throw RequestRefusedException.MissingPartsError(check.MissingParts);
        }

        if (check.Mismatch is { } mismatch)
        {
            throw RequestRefusedException.SizeMismatch(mismatch);
        }

        var byNumber = new Dictionary<int, ListedPart>(listed.Count);
        foreach (ListedPart part in listed)
        {
            byNumber[part.PartNumber] = part;
        }

        return (check.Parts.Select(p => byNumber[p.PartNumber]).ToList(), null);
    }

    private async Task<(string ETag, string? Sha256)> CheckSingleAsync(UploadSession session)
    {
        StoredObject stored = await _storage.HeadAsync(session.Key) ?? throw RequestRefusedException.NotUploaded();
        string? storedType = stored.ContentType is { } type ? UploadRules.AllowedContentType(type, [session.ContentType]) : null;
        if (stored.Size != session.Size || storedType is null)
        {
            throw RequestRefusedException.SizeMismatch($"the stored object is {stored.Size} bytes of type {stored.ContentType ?? "(none)"}; the upload declared {session.Size} bytes of {session.ContentType}");
        }

        if (session.Sha256 is { } declared && stored.Sha256 is { } verified && !string.Equals(declared, verified, StringComparison.Ordinal))
        {
            throw RequestRefusedException.SizeMismatch("the stored object's SHA-256 differs from the one declared");
        }

        return (stored.ETag, stored.Sha256);
    }

    private static RestApiProxyResponse Completed(UploadSession session) => ApiResponses.Json(
        200,
        new CompletedBody
        {
            UploadId = session.UploadId,
            Key = session.Key,
            Size = session.Size,
            ContentType = session.ContentType,
            Etag = session.Etag ?? string.Empty,
            Sha256 = session.ObjectSha256,
        },
        UploadJsonContext.Default.CompletedBody);
}
