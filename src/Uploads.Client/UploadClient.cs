using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Uploads.Client.Internal;

namespace Patterns.Cdk.Uploads.Client;

/// <summary>
/// Uploads files of any size through a PrivateUploadApi. The API decides the mode from the declared size: a single
/// presigned POST form (up to 8 MiB), or a multipart upload whose parts this client sends in parallel
/// (<see cref="UploadClientOptions.MaxParallelParts"/>), each with its <c>Content-MD5</c>, retried with full-jitter
/// backoff and re-sent on a fresh URL when its URL expired. A cancelled or failed upload is aborted
/// (<see cref="UploadClientOptions.AbortOnFailure"/>); an interrupted one can be resumed (<see cref="ResumeAsync"/>).
/// API calls are signed with SigV4 (service <c>execute-api</c>); storage requests use the presigned URLs as they are.
/// Thread-safe: one client may run several uploads at once.
/// </summary>
public sealed class UploadClient : IDisposable
{
    private static readonly HttpRequestOptionsKey<int> PartNumberOption = new("PartNumber");

    private readonly UploadClientOptions _options;
    private readonly HttpClient _apiHttp;
    private readonly HttpClient _storageHttp;
    private readonly bool _ownsApiHttp;
    private readonly bool _ownsStorageHttp;
    private readonly ApiTransport _api;

    /// <summary>Creates a client.</summary>
    /// <param name="options">Where the API is and how to call it.</param>
    /// <param name="apiHttp">Sends the API calls (not disposed here). Default: a client of its own.</param>
    /// <param name="storageHttp">Sends the presigned S3 requests (not disposed here). Default: a client of its own.</param>
    /// <exception cref="ArgumentException">An option is out of range (all problems in one message).</exception>
    public UploadClient(UploadClientOptions options, HttpClient? apiHttp = null, HttpClient? storageHttp = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ownsApiHttp = apiHttp is null;
        _ownsStorageHttp = storageHttp is null;
        _apiHttp = apiHttp ?? CreateHttpClient(options);
        _storageHttp = storageHttp ?? CreateHttpClient(options);
        _api = new ApiTransport(_apiHttp, options);
    }

    /// <summary>Uploads the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file; it is read by offset, parts in parallel, and must not change during the upload.</param>
    /// <param name="request">File name, content type, checksum. Default: the file's name and the type of its extension.</param>
    /// <param name="progress">Receives progress after each part.</param>
    /// <param name="cancellationToken">Stops the upload; it is then aborted (unless <see cref="UploadClientOptions.AbortOnFailure"/> is false).
    /// Once the file may be entirely in S3 (the POST form sent, even without an answer; or every part stored), a failure or
    /// a cancellation completes the upload when the server finds the file there, instead of aborting it (an abort cannot
    /// remove a stored object, and would race a completion in progress): the completed upload is then returned.</param>
    /// <returns>The completed upload.</returns>
    /// <exception cref="UploadApiException">The API refused a call.</exception>
    /// <exception cref="UploadStorageException">S3 refused a part after all attempts.</exception>
    public async Task<UploadResult> UploadAsync(string path, UploadRequest? request = null, IProgress<UploadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        request ??= new UploadRequest();
        using FileSource source = FileSource.Open(path);
        string fileName = request.FileName ?? Path.GetFileName(path);
        return await UploadCoreAsync(source, fileName, request, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Uploads <paramref name="content"/> from its current position to its end (or <see cref="UploadRequest.Size"/> bytes).
    /// A <see cref="FileStream"/> is read by offset like a path (each part streamed from the file as it is sent); any
    /// other stream is read front to back into pooled part buffers, at most one per part in flight
    /// (<see cref="UploadClientOptions.MaxParallelParts"/>).
    /// </summary>
    /// <param name="content">The bytes; not disposed here.</param>
    /// <param name="request">File name (required) and the rest; <see cref="UploadRequest.Size"/> is required when the stream cannot seek.</param>
    /// <param name="progress">Receives progress after each part.</param>
    /// <param name="cancellationToken">Stops the upload; it is then aborted.</param>
    /// <returns>The completed upload.</returns>
    public async Task<UploadResult> UploadAsync(Stream content, UploadRequest request, IProgress<UploadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.FileName))
        {
            throw new ArgumentException("UploadRequest.FileName: is required for a stream upload; give the name the server should keep.", nameof(request));
        }

        if (!content.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(content));
        }

        long length = request.Size
            ?? (content.CanSeek
                ? content.Length - content.Position
                : throw new ArgumentException("UploadRequest.Size: is required for a stream that cannot seek; give its exact length.", nameof(request)));
        if (length < 0)
        {
            throw new ArgumentException($"UploadRequest.Size: must be >= 0 (got {length}).", nameof(request));
        }

        using ContentSource source = content is FileStream file && file.CanSeek ? FileSource.FromStream(file, length) : new StreamSource(content, length);
        return await UploadCoreAsync(source, request.FileName, request, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Continues an interrupted multipart upload of the file at <paramref name="path"/>: asks the API which parts S3
    /// holds (<c>GET /uploads/{id}</c>), uploads only the others and completes. A completed upload is returned as it is.
    /// </summary>
    /// <param name="uploadId">The id the upload started with.</param>
    /// <param name="path">The same file (same size; its parts are not compared).</param>
    /// <param name="progress">Receives progress; the first report counts the parts already stored.</param>
    /// <param name="cancellationToken">Stops the upload; it is then aborted.</param>
    /// <returns>The completed upload.</returns>
    /// <exception cref="InvalidOperationException">The upload was aborted, the file's size differs, or it was a single upload that never reached S3.</exception>
    public async Task<UploadResult> ResumeAsync(string uploadId, string path, IProgress<UploadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateUploadId(uploadId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileSource source = FileSource.Open(path);
        StatusBody status = await GetStatusBodyAsync(uploadId, cancellationToken).ConfigureAwait(false);
        switch (status.State)
        {
            case "completed" or "completing": // a completion in progress is finished (or awaited) by completing again
                return await CompleteAsync(uploadId, cancellationToken).ConfigureAwait(false);
            case "aborted":
                throw new InvalidOperationException($"Upload {uploadId} was aborted; start a new upload.");
        }

        if (status.Size != source.Length)
        {
            throw new InvalidOperationException($"Upload {uploadId} expects {status.Size} bytes but the file has {source.Length}; resume it with the same file.");
        }

        if (status.Mode != "multipart")
        {
            try
            {
                return await CompleteAsync(uploadId, cancellationToken).ConfigureAwait(false);
            }
            catch (UploadApiException e) when (e.Code == "NotUploaded")
            {
                throw new InvalidOperationException($"Upload {uploadId} is a single upload whose file never reached S3; its form cannot be fetched again, so start a new upload.", e);
            }
        }

        long partSize = status.PartSize ?? 0;
        int partCount = status.PartCount ?? 0;
        CheckLayout(uploadId, source.Length, partSize, partCount);
        var stored = new HashSet<int>();
        foreach (StatusPartBody part in status.Parts ?? [])
        {
            if (part.PartNumber >= 1 && part.PartNumber <= partCount && part.Size == PartLength(part.PartNumber, partSize, source.Length))
            {
                stored.Add(part.PartNumber);
            }
        }

        var pending = Enumerable.Range(1, partCount).Where(n => !stored.Contains(n)).ToList();
        return await RunAsync(uploadId, async ct =>
        {
            var tracker = new ProgressTracker(progress, source.Length, partCount);
            tracker.Add(stored.Count, stored.Sum(n => PartLength(n, partSize, source.Length)));
            await UploadPartsAsync(uploadId, source, partSize, pending, tracker, ct).ConfigureAwait(false);
            return await CompleteOrConfirmAsync(uploadId, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Aborts an upload (<c>DELETE /uploads/{id}</c>): S3 discards its parts. Idempotent.</summary>
    /// <param name="uploadId">The upload's id.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    public async Task AbortAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        ValidateUploadId(uploadId);
        await _api.SendRawAsync(HttpMethod.Delete, $"/uploads/{uploadId}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads an upload's state and the parts S3 holds (<c>GET /uploads/{id}</c>).</summary>
    /// <param name="uploadId">The upload's id.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The session.</returns>
    public async Task<UploadStatus> GetStatusAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        ValidateUploadId(uploadId);
        StatusBody body = await GetStatusBodyAsync(uploadId, cancellationToken).ConfigureAwait(false);
        return new UploadStatus
        {
            UploadId = body.UploadId ?? uploadId,
            Key = body.Key ?? string.Empty,
            Mode = body.Mode ?? string.Empty,
            State = body.State ?? string.Empty,
            FileName = body.FileName,
            ContentType = body.ContentType,
            Size = body.Size,
            PartSize = body.PartSize ?? 0,
            PartCount = body.PartCount ?? 0,
            CreatedAt = body.CreatedAt,
            ExpiresAt = body.ExpiresAt,
            Parts = [.. (body.Parts ?? []).Select(p => new UploadedPart(p.PartNumber, p.Size, p.Etag))],
        };
    }

    /// <summary>Disposes the HTTP clients this client created (not the ones it was given).</summary>
    public void Dispose()
    {
        if (_ownsApiHttp)
        {
            _apiHttp.Dispose();
        }

        if (_ownsStorageHttp)
        {
            _storageHttp.Dispose();
        }
    }

    private static HttpClient CreateHttpClient(UploadClientOptions options) =>
        new(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = Math.Max(options.MaxParallelParts + 2, 4),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // every request has its own RequestTimeout
        };

    private async Task<UploadResult> UploadCoreAsync(ContentSource source, string fileName, UploadRequest request, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        string contentType = request.ContentType ?? ContentTypes.For(fileName);

        // A file's part MD5s (for the part size the API is expected to choose) are computed from here on, beside the
        // SHA-256 pass, instead of after the session starts.
        using Md5Ahead? md5Ahead = Md5Ahead.StartFor(source);
        string? sha256 = request.SendSha256 && source.CanHash ? await source.Sha256Async(cancellationToken).ConfigureAwait(false) : null;
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new CreateUploadBody { FileName = fileName, ContentType = contentType, Size = source.Length, Sha256 = sha256, ClientToken = Guid.NewGuid().ToString("N") },
            ApiJson.Default.CreateUploadBody);
        SessionBody session = await _api.SendAsync(HttpMethod.Post, "/uploads", body, ApiJson.Default.SessionBody, cancellationToken).ConfigureAwait(false);
        string uploadId = session.UploadId is { } id && IsUploadId(id)
            ? id
            : throw new UploadApiException(HttpStatusCode.Created, "InvalidResponse", "POST /uploads returned no valid uploadId.");
        request.OnStarted?.Invoke(uploadId);

        return await RunAsync(uploadId, async ct =>
        {
            if (session.Mode == "single")
            {
                var tracker = new ProgressTracker(progress, source.Length, 1);
                bool mayBeStored = false;
                try
                {
                    await PostSingleAsync(session, source, contentType, () => mayBeStored = true, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (mayBeStored && e is UploadStorageException or OperationCanceledException)
                {
                    // An attempt got no answer (or was cut by the caller), so the file may be in S3 anyway, and an abort
                    // cannot remove it (the API deletes nothing): let the server check what S3 holds first.
                    if (await TryCompleteStoredAsync(uploadId).ConfigureAwait(false) is { } stored)
                    {
                        tracker.Add(1, source.Length);
                        return stored;
                    }

                    throw;
                }

                tracker.Add(1, source.Length);
            }
            else if (session.Mode == "multipart")
            {
                long partSize = session.PartSize ?? 0;
                int partCount = session.PartCount ?? 0;
                CheckLayout(uploadId, source.Length, partSize, partCount);
                var tracker = new ProgressTracker(progress, source.Length, partCount);
                Md5Ahead? ahead = md5Ahead?.PartSize == partSize ? md5Ahead : null; // another part size: not usable
                await UploadPartsAsync(uploadId, source, partSize, [.. Enumerable.Range(1, partCount)], tracker, ct, ahead).ConfigureAwait(false);
            }
            else
            {
                throw new UploadApiException(HttpStatusCode.Created, "InvalidResponse", $"POST /uploads returned an unknown mode '{session.Mode}'.");
            }

            return await CompleteOrConfirmAsync(uploadId, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the upload's work; on cancellation or failure aborts the upload (when configured) and rethrows.</summary>
    private async Task<UploadResult> RunAsync(string uploadId, Func<CancellationToken, Task<UploadResult>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (_options.AbortOnFailure)
        {
            if (!await AbortQuietlyAsync(uploadId).ConfigureAwait(false)
                && await TryCompleteStoredAsync(uploadId).ConfigureAwait(false) is { } finished)
            {
                // The server refused the abort because a completion of this upload had begun (409 Completing):
                // an abort can no longer win, so the completion is finished instead and its result returned.
                return finished;
            }

            throw;
        }
    }

    /// <summary>Aborts without throwing; false only when the server says a completion has begun (then nothing is aborted).</summary>
    private async Task<bool> AbortQuietlyAsync(string uploadId)
    {
        // Not the caller's (possibly cancelled) token: the abort must still go out, but not for longer than 30 s.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _api.SendRawAsync(HttpMethod.Delete, $"/uploads/{uploadId}", null, deadline.Token).ConfigureAwait(false);
        }
        catch (UploadApiException e) when (e.Code == "Completing")
        {
            return false;
        }
        catch (Exception e) when (e is UploadApiException or OperationCanceledException or HttpRequestException)
        {
            // The original failure is what the caller needs; S3's lifecycle rule removes the parts later.
        }

        return true;
    }

    private async Task<UploadResult> CompleteAsync(string uploadId, CancellationToken ct)
    {
        CompleteBody done = await _api.SendAsync(HttpMethod.Post, $"/uploads/{uploadId}/complete", null, ApiJson.Default.CompleteBody, ct).ConfigureAwait(false);
        return new UploadResult
        {
            UploadId = done.UploadId ?? uploadId,
            Key = done.Key ?? string.Empty,
            Size = done.Size,
            ContentType = done.ContentType ?? string.Empty,
            ETag = done.Etag,
            Sha256 = done.Sha256,
        };
    }

    private Task<StatusBody> GetStatusBodyAsync(string uploadId, CancellationToken ct) =>
        _api.SendAsync(HttpMethod.Get, $"/uploads/{uploadId}", null, ApiJson.Default.StatusBody, ct);

    /// <summary>
    /// Completes an upload whose bytes are all in S3. When the call gets no definite answer (no answer, a transient
    /// error after every retry) or the caller cancels while it is out, the server may be completing it right now, and an
    /// abort would race that (the object stays, the event may go out): the completion is asked for again instead, off the
    /// caller's token, and only when that fails too does the failure (and the abort) follow.
    /// </summary>
    private async Task<UploadResult> CompleteOrConfirmAsync(string uploadId, CancellationToken ct)
    {
        try
        {
            return await CompleteAsync(uploadId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || (e is UploadApiException api && (api.Code == "NetworkError" || ApiTransport.IsTransient(api.StatusCode))))
        {
            if (await TryCompleteStoredAsync(uploadId).ConfigureAwait(false) is { } done)
            {
                return done;
            }

            throw;
        }
    }

    /// <summary>
    /// Completes an upload whose file may have reached S3 although the client saw no answer; null when the server says
    /// it is not there (or cannot tell now). Not on the caller's token: it runs after a failure or a cancellation.
    /// </summary>
    private async Task<UploadResult?> TryCompleteStoredAsync(string uploadId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await CompleteAsync(uploadId, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UploadApiException or OperationCanceledException or HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Sends the POST form; <paramref name="mayBeStored"/> is called when an attempt ends without an answer (S3 may have stored it).</summary>
    private async Task PostSingleAsync(SessionBody session, ContentSource source, string contentType, Action mayBeStored, CancellationToken ct)
    {
        if (session.Post?.Url is null || !Uri.TryCreate(session.Post.Url, UriKind.Absolute, out Uri? url) || session.Post.Fields is null)
        {
            throw new UploadApiException(HttpStatusCode.Created, "InvalidResponse", "POST /uploads returned a single upload without its form (post.url, post.fields).");
        }

        if (source.Length > Array.MaxLength)
        {
            throw new UploadApiException(HttpStatusCode.Created, "InvalidResponse", "POST /uploads chose a single upload for a file too large to hold in memory.");
        }

        int length = (int)source.Length;
        ArrayPool<byte> pool = _options.BufferPool ?? new PartBufferPool(Math.Max(length, 1), 1);
        byte[] buffer = pool.Rent(Math.Max(length, 1));
        try
        {
            if (source.IsRandomAccess)
            {
                await source.ReadAtAsync(buffer.AsMemory(0, length), 0, ct).ConfigureAwait(false);
            }
            else
            {
                await source.ReadNextAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
                await source.EnsureEndAsync(ct).ConfigureAwait(false);
            }

            for (int attempt = 1; ; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                using HttpRequestMessage message = new(HttpMethod.Post, url) { Content = BuildForm(session.Post.Fields, contentType, buffer, length) };

                // Not cut by the caller's cancellation once sent (RequestTimeout bounds it): S3 may store a form whose
                // request it received, and the API cannot delete it, so the client waits to know, then completes or aborts.
                StorageOutcome outcome = await SendStorageAsync(message, 0, CancellationToken.None).ConfigureAwait(false);
                if (outcome.Success)
                {
                    return;
                }

                if (outcome.Status is null || (int)outcome.Status >= 500)
                {
                    mayBeStored(); // no answer, or a 5xx: S3 may have stored it all the same
                }

                if (!outcome.Retryable || attempt >= _options.MaxAttemptsPerPart)
                {
                    throw outcome.ToException(0, attempt, "the single upload (POST form)");
                }

                await Task.Delay(Backoff.Delay(_options.RetryBaseDelay, attempt), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            pool.Return(buffer);
        }
    }

    /// <summary>The POST form: the server's fields in its order (plus Content-Type when it gave none), the file last.</summary>
    private static MultipartFormDataContent BuildForm(Dictionary<string, string> fields, string contentType, byte[] buffer, int length)
    {
        var form = new MultipartFormDataContent("----patterns-upload-" + Guid.NewGuid().ToString("N"));
        bool hasType = false;
        foreach ((string name, string value) in fields)
        {
            hasType |= string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase);
            form.Add(FormField(value), name);
        }

        if (!hasType)
        {
            form.Add(FormField(contentType), "Content-Type");
        }

        var file = new ByteArrayContent(buffer, 0, length);
        file.Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? type) ? type : null;
        form.Add(file, "file", "file");
        return form;
    }

    private static ByteArrayContent FormField(string value) => new(Encoding.UTF8.GetBytes(value));

    private async Task UploadPartsAsync(string uploadId, ContentSource source, long partSize, List<int> pending, ProgressTracker tracker, CancellationToken cancellationToken, Md5Ahead? md5Ahead = null)
    {
        tracker.Report();
        if (pending.Count == 0)
        {
            return;
        }

        if (!source.IsRandomAccess && (pending[0] != 1 || pending[^1] != pending.Count))
        {
            throw new InvalidOperationException("A stream read front to back can only upload all parts in order.");
        }

        int parallel = _options.MaxParallelParts;

        // A file's parts are read from the file as they are sent (one chunk per part in flight); a stream's parts are
        // read into part buffers first (at most one per part in flight), because a stream cannot be read twice.
        int chunkSize = source.IsRandomAccess ? (int)Math.Min(FileRegionContent.DefaultChunkSize, partSize) : (int)partSize;
        ArrayPool<byte> pool = _options.BufferPool ?? new PartBufferPool(chunkSize, parallel);
        var urls = new PartUrlCache(_api, uploadId, pending, _options.PartUrlBatchSize, parallel, _options.Clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(parallel, parallel);
        var running = new List<Task>(pending.Count);
        Exception? failure = null;

        void Fail(Exception e)
        {
            if (Interlocked.CompareExchange(ref failure, e, null) is null)
            {
                stop.Cancel();
            }
        }

        // A file's part MD5s come from the hash-ahead pass: the one started before the session when it fits this part
        // size, or one started now over the pending parts.
        using Md5Ahead? ownAhead = source.IsRandomAccess && md5Ahead is null ? Md5Ahead.Start(source, partSize, pending) : null;
        Md5Ahead? ahead = md5Ahead ?? ownAhead;
        Task hashAhead = ahead is not null
            ? Task.Run(() => FeedMd5sAsync(ahead, pending, urls, stop.Token), CancellationToken.None)
            : Task.CompletedTask;
        foreach (int partNumber in pending)
        {
            try
            {
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            long offset = (partNumber - 1) * partSize;
            int length = (int)PartLength(partNumber, partSize, source.Length);
            byte[]? buffer = source.IsRandomAccess ? null : pool.Rent(length);
            if (buffer is not null)
            {
                try
                {
                    // Sequential: the dispatcher reads while holding the slot, so buffers never exceed the slots.
                    await source.ReadNextAsync(buffer.AsMemory(0, length), stop.Token).ConfigureAwait(false);
                    if (partNumber == pending[^1])
                    {
                        await source.EnsureEndAsync(stop.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception e)
                {
                    pool.Return(buffer);
                    slots.Release();
                    if (e is not OperationCanceledException || !stop.IsCancellationRequested)
                    {
                        Fail(e);
                    }

                    break;
                }
            }

            running.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        // A part already on the wire is not cut when another part fails for good: its answer is
                        // awaited (RequestTimeout bounds it), so the abort below never races a part S3 may still store.
                        // Only the caller's cancellation cuts requests in flight.
                        PartBody body = buffer is null
                            ? PartBody.FromFile(source, offset, length, pool, chunkSize)
                            : PartBody.FromBuffer(buffer, length);
                        await UploadPartAsync(urls, partNumber, body, stop.Token, cancellationToken).ConfigureAwait(false);
                        urls.Complete(partNumber);
                        tracker.Add(1, length);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        // another part failed or the caller cancelled: reported below
                    }
                    catch (Exception e)
                    {
                        Fail(e);
                    }
                    finally
                    {
                        if (buffer is not null)
                        {
                            pool.Return(buffer);
                        }

                        slots.Release();
                    }
                },
                CancellationToken.None));
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        stop.Cancel(); // the hash-ahead pass is not needed any more
        try
        {
            await hashAhead.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // its MD5s are only a head start; every part computes its own when missing
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Sends one part until stored. <paramref name="stop"/> (another part failed, or the caller cancelled) ends
    /// waits and prevents new attempts; only <paramref name="send"/> (the caller's token) cuts a request already sent.</summary>
    private async Task UploadPartAsync(PartUrlCache urls, int partNumber, PartBody body, CancellationToken stop, CancellationToken send)
    {
        CancellationToken ct = stop;
        // From the hash-ahead pass when it got there first (a file that changed since then fails with BadDigest).
        string md5 = urls.KnownMd5(partNumber) ?? await body.Md5Async(ct).ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            PartUrl url = await urls.GetAsync(partNumber, md5, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            HttpContent content = body.NewContent();
            content.Headers.TryAddWithoutValidation("Content-MD5", md5);
            using HttpRequestMessage message = new(HttpMethod.Put, url.Url) { Content = content };
            message.Options.Set(PartNumberOption, partNumber);
            StorageOutcome outcome = await SendStorageAsync(message, partNumber, send).ConfigureAwait(false);
            if (outcome.Success)
            {
                return;
            }

            bool expired = outcome.Status == HttpStatusCode.Forbidden
                && (outcome.SaysExpired || _options.Clock.GetUtcNow() >= url.ExpiresAt);
            if (attempt >= _options.MaxAttemptsPerPart || !(expired || outcome.Retryable))
            {
                throw outcome.ToException(partNumber, attempt, $"part {partNumber}");
            }

            if (expired)
            {
                urls.Invalidate(url); // the next attempt mints a fresh URL at once, no backoff needed
            }
            else
            {
                await Task.Delay(Backoff.Delay(_options.RetryBaseDelay, attempt), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gives the part URL cache each pending part's MD5 as the hash-ahead pass computes it; stops with the upload.</summary>
    private static async Task FeedMd5sAsync(Md5Ahead ahead, List<int> pending, PartUrlCache urls, CancellationToken ct)
    {
        foreach (int partNumber in pending)
        {
            if (urls.KnownMd5(partNumber) is null)
            {
                urls.SetMd5(partNumber, await ahead.GetAsync(partNumber, ct).ConfigureAwait(false));
            }
        }
    }

    private async Task<StorageOutcome> SendStorageAsync(HttpRequestMessage message, int partNumber, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (_options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(_options.RequestTimeout);
        }

        try
        {
            using HttpResponseMessage response = await _storageHttp.SendAsync(message, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return StorageOutcome.Ok;
            }

            string body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            return StorageOutcome.FromError(response.StatusCode, body);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
        {
            _ = partNumber;
            return StorageOutcome.FromNetwork(e);
        }
    }

    private static void CheckLayout(string uploadId, long size, long partSize, int partCount)
    {
        if (partSize <= 0 || partSize > Array.MaxLength || partCount <= 0 || partCount > 10_000
            || (size + partSize - 1) / partSize != partCount)
        {
            throw new UploadApiException(HttpStatusCode.OK, "InvalidResponse", string.Create(
                CultureInfo.InvariantCulture,
                $"Upload {uploadId}: partSize {partSize} and partCount {partCount} do not fit a size of {size} bytes."));
        }
    }

    private static long PartLength(int partNumber, long partSize, long size) =>
        Math.Min(partSize, size - ((partNumber - 1) * partSize));

    private static bool IsUploadId(string id) =>
        id.Length == 32 && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static void ValidateUploadId(string uploadId)
    {
        ArgumentNullException.ThrowIfNull(uploadId);
        if (!IsUploadId(uploadId))
        {
            throw new ArgumentException($"An upload id is 32 lowercase hex characters (got '{uploadId}').", nameof(uploadId));
        }
    }

    /// <summary>
    /// Counts stored parts and bytes across threads and reports snapshots. Adding and reporting happen under one lock,
    /// so a synchronous <see cref="IProgress{T}"/> sees bytes and parts that never go down (two parts finishing at
    /// once could otherwise report the later total first).
    /// </summary>
    private sealed class ProgressTracker(IProgress<UploadProgress>? progress, long totalBytes, int partCount)
    {
        private readonly Lock _gate = new();
        private long _bytes;
        private int _parts;

        public void Add(int parts, long bytes)
        {
            lock (_gate)
            {
                _bytes += bytes;
                _parts += parts;
                progress?.Report(new UploadProgress(_bytes, totalBytes, _parts, partCount));
            }
        }

        public void Report()
        {
            lock (_gate)
            {
                progress?.Report(new UploadProgress(_bytes, totalBytes, _parts, partCount));
            }
        }
    }

    /// <summary>What S3 answered to one storage request.</summary>
    private sealed record StorageOutcome(bool Success, HttpStatusCode? Status, string? Code, string? Message, bool SaysExpired, bool Retryable, Exception? Error)
    {
        public static readonly StorageOutcome Ok = new(true, null, null, null, false, false, null);

        public static StorageOutcome FromNetwork(Exception e) =>
            new(false, null, null, e is OperationCanceledException ? "timed out" : e.Message, false, true, e);

        public static StorageOutcome FromError(HttpStatusCode status, string body)
        {
            string? code = Element(body, "Code");
            string? message = Element(body, "Message");
            bool expired = status == HttpStatusCode.Forbidden
                && ((message?.Contains("expired", StringComparison.OrdinalIgnoreCase) ?? false) || code == "ExpiredToken");
            bool retryable = (int)status >= 500
                || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                || code is "BadDigest" or "RequestTimeout" or "SlowDown" or "InternalError";
            return new StorageOutcome(false, status, code, message, expired, retryable, null);
        }

        public UploadStorageException ToException(int partNumber, int attempts, string what)
        {
            string detail = Status is { } status
                ? string.Create(CultureInfo.InvariantCulture, $"S3 answered {(int)status} {Code ?? status.ToString()}{(Message is null ? string.Empty : ": " + Message)}")
                : $"no answer ({Message})";
            return new UploadStorageException(partNumber, Status, Code, string.Create(CultureInfo.InvariantCulture, $"Storing {what} failed after {attempts} attempt(s): {detail}"), Error);
        }

        private static string? Element(string xml, string name)
        {
            int start = xml.IndexOf($"<{name}>", StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += name.Length + 2;
            int end = xml.IndexOf($"</{name}>", start, StringComparison.Ordinal);
            return end < 0 ? null : WebUtility.HtmlDecode(xml[start..end]);
        }
    }
}
