using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.PrivateUploadApi.Api;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// The session routes of the upload API (REST API, Lambda proxy integration, IAM auth):
/// <c>POST /uploads</c> (201: a presigned POST up to 8 MiB, a multipart session above), <c>POST /uploads/{id}/parts</c>
/// (200: part URLs minted on demand), <c>GET /uploads/{id}</c> (state and the parts S3 holds, for resuming) and
/// <c>DELETE /uploads/{id}</c> (204: abort, idempotent). Only the caller who started an upload can use its id.
/// Handler string: <c>UploadSessions</c>.
/// </summary>
public sealed class UploadSessions
{
    private static readonly HashSet<UploadRouteKind> Served =
        [UploadRouteKind.CreateSession, UploadRouteKind.MintPartUrls, UploadRouteKind.GetSession, UploadRouteKind.AbortSession];

    private static readonly string[] RequiredSessionMembers = ["fileName", "contentType", "size"];

    private readonly UploadSettings _settings;
    private readonly UploadStorage _storage;
    private readonly UploadSessionStore _sessions;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public UploadSessions()
        : this(UploadSettings.FromEnvironment(Environment.GetEnvironmentVariable, nameof(UploadSessions), UploadSettingsNeeds.ContentTypes | UploadSettingsNeeds.MaxUploadBytes))
    {
    }

    /// <summary>The seam for tests and in-process hosts: any S3 and DynamoDB client (an emulator's), the settings, a log and a clock.</summary>
    public UploadSessions(IAmazonS3 s3, IAmazonDynamoDB dynamoDb, UploadSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _storage = new UploadStorage(s3, settings.Bucket);
        _sessions = new UploadSessionStore(dynamoDb, settings.Table);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    private UploadSessions(UploadSettings settings)
        : this(AwsClients.CreateS3(), AwsClients.CreateDynamoDb(), settings)
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
        return UploadApiPipeline.RunAsync(request, Served, RouteAsync, _log);
    }

    private Task<RestApiProxyResponse> RouteAsync(UploadRoute route, string caller, RestApiProxyRequest request, RequestOutcome outcome) => route.Kind switch
    {
        UploadRouteKind.CreateSession => CreateAsync(caller, request, outcome),
        UploadRouteKind.MintPartUrls => MintPartUrlsAsync(route.Parameter, caller, request, outcome),
        UploadRouteKind.GetSession => GetAsync(route.Parameter, caller, outcome),
        _ => AbortAsync(route.Parameter, caller, outcome),
    };

    private async Task<RestApiProxyResponse> CreateAsync(string caller, RestApiProxyRequest request, RequestOutcome outcome)
    {
        string fileName;
        string? declaredType;
        long size;
        string? sha256;
        string? clientToken;
        using (JsonDocument document = UploadRequest.ReadObject(request))
        {
            JsonElement root = document.RootElement;
            string[] missing = RequiredSessionMembers.Where(name => !UploadRequest.Has(root, name)).ToArray();
            if (missing.Length > 0)
            {
                throw RequestRefusedException.InvalidRequest($"missing member(s): {string.Join(", ", missing)} (the body is {{\"fileName\",\"contentType\",\"size\",\"sha256\"?,\"clientToken\"?}})");
            }

            fileName = UploadRequest.String(root, "fileName")!;
            declaredType = UploadRequest.String(root, "contentType");
            JsonElement sizeElement = root.GetProperty("size");
            if (sizeElement.ValueKind != JsonValueKind.Number)
            {
                throw RequestRefusedException.InvalidRequest("size must be a number (the file's size in bytes)");
            }

            if (!sizeElement.TryGetInt64(out size))
            {
                throw RequestRefusedException.InvalidSize("size must be a whole number of bytes");
            }

            sha256 = UploadRequest.String(root, "sha256");
            clientToken = UploadRequest.String(root, "clientToken");
        }

        if (clientToken is not null && !UploadRules.IsClientToken(clientToken))
        {
            throw RequestRefusedException.InvalidRequest("clientToken must be 16 to 64 letters, digits, '-' or '_' (for example a GUID), the same in every retry of this start");
        }

        if (UploadRules.FileNameProblem(fileName) is { } nameProblem)
        {
            throw RequestRefusedException.InvalidFileName(nameProblem);
        }

        string contentType = UploadRules.AllowedContentType(declaredType, _settings.AllowedContentTypes)
            ?? throw RequestRefusedException.UnsupportedContentType(declaredType, _settings.AllowedContentTypes);
        if (size < 0)
        {
            throw RequestRefusedException.InvalidSize("size cannot be negative");
        }

        if (size > _settings.MaxUploadBytes)
        {
            throw RequestRefusedException.TooLarge(_settings.MaxUploadBytes, "the file");
        }

        if (sha256 is not null && !UploadRules.IsBase64Sha256(sha256))
        {
            throw RequestRefusedException.InvalidChecksum("sha256 must be the base64 SHA-256 of the file (44 characters)");
        }

        PartPlan plan = UploadRules.Plan(size);
        string uploadId = clientToken is null ? UploadRules.NewUploadId() : UploadRules.UploadIdFor(caller, clientToken);
        if (clientToken is not null && await _sessions.GetAsync(uploadId) is { } started)
        {
            return await RepeatStartAsync(started, caller, fileName, contentType, size, sha256, outcome);
        }

        string key = UploadRules.ObjectKey(_settings.KeyPrefix, caller, uploadId, fileName);
        DateTimeOffset now = _clock.GetUtcNow();
        DateTimeOffset expiresAt = Truncate(now + _settings.SessionTtl);
        outcome.UploadId = uploadId;
        outcome.Mode = UploadSessionStore.ModeName(plan.Mode);
        outcome.Size = size;
        outcome.PartCount = plan.PartCount;

        var session = new UploadSession
        {
            UploadId = uploadId,
            Owner = caller,
            Key = key,
            Mode = plan.Mode,
            State = SessionStates.Open,
            FileName = fileName,
            ContentType = contentType,
            Size = size,
            PartSize = plan.PartSize,
            PartCount = plan.PartCount,
            Sha256 = sha256,
            CreatedAt = Truncate(now),
            ExpiresAt = expiresAt,
        };
        var body = new SessionBody { UploadId = uploadId, Key = key, Mode = outcome.Mode, ExpiresAt = UploadSessionStore.Iso(expiresAt) };

        if (plan.Mode == UploadMode.Single)
        {
            DateTimeOffset urlExpires = now + _settings.UrlExpiry;
            CreatePresignedPostResponse post = await _storage.PresignPostAsync(key, contentType, size, sha256, urlExpires);
            if (!await CreateOnceAsync(session, clientToken))
            {
                return await RepeatStartAsync(await _sessions.GetAsync(uploadId) ?? session, caller, fileName, contentType, size, sha256, outcome);
            }

            outcome.Message = "upload started (single)";
            return ApiResponses.Json(
                201,
                body with { Post = new PostForm(post.Url, post.Fields, UploadSessionStore.Iso(urlExpires)) },
                UploadJsonContext.Default.SessionBody);
        }

        string s3UploadId = await _storage.StartMultipartAsync(key, contentType);
        bool created;
        try
        {
            created = await CreateOnceAsync(session with { S3UploadId = s3UploadId }, clientToken);
        }
        catch
        {
            // Leave nothing behind: the bucket's lifecycle rule would clean it up too, a day later.
            await AbortQuietlyAsync(key, s3UploadId);
            throw;
        }

        if (!created)
        {
            // The same start, running at the same time, stored its session first: this one's S3 upload is not needed.
            await AbortQuietlyAsync(key, s3UploadId);
            return await RepeatStartAsync(await _sessions.GetAsync(uploadId) ?? session, caller, fileName, contentType, size, sha256, outcome);
        }

        outcome.Message = "upload started (multipart)";
        return ApiResponses.Json(201, body with { PartSize = plan.PartSize, PartCount = plan.PartCount }, UploadJsonContext.Default.SessionBody);
    }

    /// <summary>Stores a new session; false when a start with the same client token stored it first.</summary>
    private async Task<bool> CreateOnceAsync(UploadSession session, string? clientToken)
    {
        try
        {
            await _sessions.CreateAsync(session);
            return true;
        }
        catch (Amazon.DynamoDBv2.Model.ConditionalCheckFailedException) when (clientToken is not null)
        {
            return false;
        }
    }

    /// <summary>
    /// The answer to a start repeated with the same client token: the session it opened (a single upload gets a fresh
    /// POST form). Refused when the token opened a different upload, or when that upload is no longer open.
    /// </summary>
    private async Task<RestApiProxyResponse> RepeatStartAsync(
        UploadSession started, string caller, string fileName, string contentType, long size, string? sha256, RequestOutcome outcome)
    {
        if (started.Owner != caller || started.FileName != fileName || started.ContentType != contentType || started.Size != size || started.Sha256 != sha256)
        {
            throw RequestRefusedException.ClientTokenReused();
        }

        if (started.State != SessionStates.Open)
        {
            throw RequestRefusedException.NotOpen(started.State);
        }

        outcome.UploadId = started.UploadId;
        outcome.Message = "upload start repeated with its client token: the same session";
        var body = new SessionBody { UploadId = started.UploadId, Key = started.Key, Mode = UploadSessionStore.ModeName(started.Mode), ExpiresAt = UploadSessionStore.Iso(started.ExpiresAt) };
        if (started.Mode == UploadMode.Multipart)
        {
            return ApiResponses.Json(201, body with { PartSize = started.PartSize, PartCount = started.PartCount }, UploadJsonContext.Default.SessionBody);
        }

        DateTimeOffset urlExpires = _clock.GetUtcNow() + _settings.UrlExpiry;
        CreatePresignedPostResponse post = await _storage.PresignPostAsync(started.Key, started.ContentType, started.Size, started.Sha256, urlExpires);
        return ApiResponses.Json(201, body with { Post = new PostForm(post.Url, post.Fields, UploadSessionStore.Iso(urlExpires)) }, UploadJsonContext.Default.SessionBody);
    }

    private async Task<RestApiProxyResponse> MintPartUrlsAsync(string? uploadId, string caller, RestApiProxyRequest request, RequestOutcome outcome)
    {
        SessionAccess.CheckUploadId(uploadId, outcome);
        List<long> numbers;
        List<string>? md5s = null;
        using (JsonDocument document = UploadRequest.ReadObject(request))
        {
            JsonElement root = document.RootElement;
            if (!root.TryGetProperty("partNumbers", out JsonElement array) || array.ValueKind == JsonValueKind.Null)
            {
                throw RequestRefusedException.InvalidRequest("missing member: partNumbers (the body is {\"partNumbers\":[1,2,...],\"contentMd5\"?:[...]})");
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw RequestRefusedException.InvalidRequest("partNumbers must be an array of part numbers");
            }

            numbers = new List<long>(Math.Min(array.GetArrayLength(), UploadRules.MaxPartNumbersPerCall + 1));
            foreach (JsonElement item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number))
                {
                    throw RequestRefusedException.InvalidPartNumber("part numbers must be whole numbers");
                }

                numbers.Add(number);
            }

            if (root.TryGetProperty("contentMd5", out JsonElement md5Array) && md5Array.ValueKind != JsonValueKind.Null)
            {
                md5s = ReadMd5s(md5Array, numbers.Count);
            }
        }

        if (numbers.Count is 0 or > UploadRules.MaxPartNumbersPerCall)
        {
            throw RequestRefusedException.InvalidPartNumber($"ask for 1 to {UploadRules.MaxPartNumbersPerCall} part numbers per call (got {numbers.Count})");
        }

        UploadSession session = await SessionAccess.LoadOwnedAsync(_sessions, uploadId!, caller, outcome);
        if (session.State == SessionStates.Completing)
        {
            throw RequestRefusedException.Completing();
        }

        if (session.State != SessionStates.Open)
        {
            throw RequestRefusedException.NotOpen(session.State);
        }

        if (session.Mode != UploadMode.Multipart)
        {
            throw RequestRefusedException.InvalidPartNumber("this upload is a single POST and has no parts: POST the form to post.url, then complete");
        }

        if (UploadRules.PartNumbersProblem(numbers, session.PartCount) is { } problem)
        {
            throw RequestRefusedException.InvalidPartNumber(problem);
        }

        DateTimeOffset expires = _clock.GetUtcNow() + _settings.UrlExpiry;
        string expiresAt = UploadSessionStore.Iso(expires);
        var parts = new List<PartUrl>(numbers.Count);
        for (int i = 0; i < numbers.Count; i++)
        {
            int number = (int)numbers[i];
            string? md5 = md5s?[i];
            string url = await _storage.PresignPartAsync(session.Key, session.S3UploadId!, number, md5, expires);
            parts.Add(new PartUrl(number, url, expiresAt) { ContentMd5 = md5 });
        }

        outcome.Parts = parts.Count;
        outcome.Message = "part URLs minted";
        return ApiResponses.Json(200, new PartUrlsBody(session.UploadId, parts), UploadJsonContext.Default.PartUrlsBody);
    }

    private async Task<RestApiProxyResponse> GetAsync(string? uploadId, string caller, RequestOutcome outcome)
    {
        SessionAccess.CheckUploadId(uploadId, outcome);
        UploadSession session = await SessionAccess.LoadOwnedAsync(_sessions, uploadId!, caller, outcome);
        List<ReceivedPart> parts = [];
        if (session.Mode == UploadMode.Multipart && session.State is (SessionStates.Open or SessionStates.Completing)
            && await _storage.ListPartsAsync(session.Key, session.S3UploadId!) is { } listed)
        {
            parts = listed.OrderBy(p => p.PartNumber).Select(p => new ReceivedPart(p.PartNumber, p.Size, p.ETag)).ToList();
        }

        outcome.Parts = parts.Count;
        outcome.Message = "upload read";
        return ApiResponses.Json(
            200,
            new SessionStateBody
            {
                UploadId = session.UploadId,
                Key = session.Key,
                Mode = UploadSessionStore.ModeName(session.Mode),
                State = session.State,
                FileName = session.FileName,
                ContentType = session.ContentType,
                Size = session.Size,
                PartSize = session.PartSize,
                PartCount = session.PartCount,
                CreatedAt = UploadSessionStore.Iso(session.CreatedAt),
                ExpiresAt = UploadSessionStore.Iso(session.ExpiresAt),
                Parts = parts,
            },
            UploadJsonContext.Default.SessionStateBody);
    }

    private async Task<RestApiProxyResponse> AbortAsync(string? uploadId, string caller, RequestOutcome outcome)
    {
        SessionAccess.CheckUploadId(uploadId, outcome);
        UploadSession session = await SessionAccess.LoadOwnedAsync(_sessions, uploadId!, caller, outcome);

        // The session is marked aborted first, in one conditional write that fails once a completion has claimed it,
        // and only then is the S3 upload aborted: an abort never pulls the parts from under a completion.
        if (session.State == SessionStates.Open)
        {
            session = await _sessions.MarkAbortedAsync(session.UploadId)
                ? session with { State = SessionStates.Aborted }
                : await _sessions.GetAsync(session.UploadId) ?? session; // completed, completing or aborted meanwhile
        }

        switch (session.State)
        {
            case SessionStates.Completed:
                throw RequestRefusedException.NotOpen(SessionStates.Completed);
            case SessionStates.Completing:
                throw RequestRefusedException.Completing();
        }

        if (session.Mode == UploadMode.Multipart)
        {
            // Also when it was aborted before: a retry of an abort whose S3 call failed finishes it (S3's abort is
            // idempotent here; an upload S3 no longer has is not an error).
            await _storage.AbortAsync(session.Key, session.S3UploadId!);
        }

        outcome.Message = "upload aborted";
        return ApiResponses.NoContent();
    }

    private static List<string> ReadMd5s(JsonElement array, int count)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != count)
        {
            throw RequestRefusedException.InvalidChecksum("contentMd5 must be an array with one base64 MD5 per part number, in the same order");
        }

        var md5s = new List<string>(count);
        foreach (JsonElement item in array.EnumerateArray())
        {
            string? md5 = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (!UploadRules.IsBase64Md5(md5))
            {
                throw RequestRefusedException.InvalidChecksum("each contentMd5 must be the base64 MD5 of its part (24 characters)");
            }

            md5s.Add(md5!);
        }

        return md5s;
    }

    private async Task AbortQuietlyAsync(string key, string s3UploadId)
    {
        try
        {
            await _storage.AbortAsync(key, s3UploadId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warn("could not abort the multipart upload of a session that was not stored; the lifecycle rule will", e);
        }
    }

    private static DateTimeOffset Truncate(DateTimeOffset time) => SessionAccess.Truncate(time);
}
