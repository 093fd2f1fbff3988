using System.Text.Json;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>A presigned part URL, the Content-MD5 signed into it, and when it stops working.</summary>
internal sealed record PartUrl(int PartNumber, Uri Url, string Md5, DateTimeOffset ExpiresAt, DateTimeOffset UsableUntil);

/// <summary>
/// Part URLs of one multipart upload, minted by the API on demand in batches (<c>POST /uploads/{id}/parts</c>):
/// the first request for a part without a usable URL fetches a batch starting at it, and while the parts go out a
/// batch ahead is fetched in the background whenever fewer than <c>lookahead</c> undispatched parts have a URL, so part
/// uploads rarely wait for the API. An expired URL is dropped (<see cref="Invalidate"/>) and the next request for that
/// part mints a fresh one. One fetch at a time.
/// The API signs each part's <c>Content-MD5</c> into its URL (S3 refuses an unsigned Content-MD5 on a presigned
/// request), so a part gets a URL only once its MD5 is known (<see cref="SetMd5"/>): from the hash-ahead pass over a
/// file, or from the part's buffer once read.
/// </summary>
internal sealed class PartUrlCache
{
    /// <summary>A URL this close to its expiry is not handed out (a part takes time to send).</summary>
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    /// <summary>A URL fetched this recently is used whatever its expiry says (client and server clocks may differ).</summary>
    private static readonly TimeSpan MinimumUse = TimeSpan.FromSeconds(10);

    private readonly ApiTransport _api;
    private readonly string _uploadId;
    private readonly int[] _order;
    private readonly Dictionary<int, int> _position = [];
    private readonly Dictionary<int, PartUrl> _urls = [];
    private readonly HashSet<int> _done = [];
    private readonly Dictionary<int, string> _md5 = [];
    private readonly int _batchSize;
    private readonly int _lookahead;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private Task? _fetch;
    private int _handedOut = -1;

    public PartUrlCache(ApiTransport api, string uploadId, IReadOnlyList<int> partsInOrder, int batchSize, int lookahead, TimeProvider clock)
    {
        _api = api;
        _uploadId = uploadId;
        _order = [.. partsInOrder];
        for (int i = 0; i < _order.Length; i++)
        {
            _position[_order[i]] = i;
        }

        _batchSize = batchSize;
        _lookahead = lookahead;
        _clock = clock;
    }

    /// <summary>How many <c>POST /parts</c> calls were made (diagnostics).</summary>
    public int Fetches { get; private set; }

    /// <summary>The part's MD5 when already known (hash-ahead), else null.</summary>
    public string? KnownMd5(int partNumber)
    {
        lock (_gate)
        {
            return _md5.GetValueOrDefault(partNumber);
        }
    }

    /// <summary>Records a part's MD5 (base64), which lets its URL be fetched ahead.</summary>
    public void SetMd5(int partNumber, string md5)
    {
        lock (_gate)
        {
            _md5[partNumber] = md5;
            PrefetchIfLow();
        }
    }

    public async Task<PartUrl> GetAsync(int partNumber, string md5, CancellationToken ct)
    {
        lock (_gate)
        {
            _md5[partNumber] = md5;
        }

        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_urls.TryGetValue(partNumber, out PartUrl? url) && IsUsable(url))
                {
                    _handedOut = Math.Max(_handedOut, _position[partNumber]);
                    PrefetchIfLow();
                    return url;
                }

                wait = _fetch ??= FetchAsync(BatchFrom(partNumber));
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Drops <paramref name="stale"/> (S3 said it expired) so the next request mints a fresh URL.</summary>
    public void Invalidate(PartUrl stale)
    {
        lock (_gate)
        {
            if (_urls.TryGetValue(stale.PartNumber, out PartUrl? current) && ReferenceEquals(current, stale))
            {
                _urls.Remove(stale.PartNumber);
            }
        }
    }

    /// <summary>The part is stored: its URL is not needed any more.</summary>
    public void Complete(int partNumber)
    {
        lock (_gate)
        {
            _done.Add(partNumber);
            _urls.Remove(partNumber);
        }
    }

    private bool IsUsable(PartUrl url) =>
        _clock.GetUtcNow() < url.UsableUntil && _md5.TryGetValue(url.PartNumber, out string? md5) && md5 == url.Md5;

    private List<int> BatchFrom(int partNumber)
    {
        var batch = new List<int>(_batchSize) { partNumber };
        for (int i = _position[partNumber] + 1; i < _order.Length && batch.Count < _batchSize; i++)
        {
            int n = _order[i];
            if (!_done.Contains(n) && _md5.ContainsKey(n) && !(_urls.TryGetValue(n, out PartUrl? url) && IsUsable(url)))
            {
                batch.Add(n);
            }
        }

        return batch;
    }

    private void PrefetchIfLow()
    {
        if (_fetch is not null)
        {
            return;
        }

        int ready = 0;
        int firstMissing = -1;
        for (int i = _handedOut + 1; i < _order.Length && ready < _lookahead; i++)
        {
            int n = _order[i];
            if (_urls.TryGetValue(n, out PartUrl? url) && IsUsable(url))
            {
                ready++;
            }
            else if (firstMissing < 0 && !_done.Contains(n) && _md5.ContainsKey(n))
            {
                firstMissing = n;
            }
        }

        if (ready < _lookahead && firstMissing > 0)
        {
            Task fetch = FetchAsync(BatchFrom(firstMissing));
            _fetch = fetch;
            // A failed prefetch is not fatal: the part that needs the URL fetches it again and sees the error.
            _ = fetch.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private async Task FetchAsync(List<int> partNumbers)
    {
        try
        {
            await Task.Yield();
            Fetches++;
            string[] md5s;
            lock (_gate)
            {
                md5s = [.. partNumbers.Select(n => _md5[n])];
            }

            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new PartUrlsRequestBody { PartNumbers = [.. partNumbers], ContentMd5 = md5s }, ApiJson.Default.PartUrlsRequestBody);
            // Not the caller's token: the fetch is shared by every part waiting for it; each waiter stops on its own token.
            PartUrlsBody answer = await _api.SendAsync(HttpMethod.Post, $"/uploads/{_uploadId}/parts", body, ApiJson.Default.PartUrlsBody, CancellationToken.None).ConfigureAwait(false);
            DateTimeOffset now = _clock.GetUtcNow();
            lock (_gate)
            {
                foreach (PartUrlBody part in answer.Parts ?? [])
                {
                    if (part.Url is null || !Uri.TryCreate(part.Url, UriKind.Absolute, out Uri? uri) || !_position.ContainsKey(part.PartNumber))
                    {
                        continue;
                    }

                    DateTimeOffset expires = part.ExpiresAt ?? now + TimeSpan.FromMinutes(5);
                    DateTimeOffset usable = expires - ExpiryMargin;
                    if (usable < now + MinimumUse)
                    {
                        usable = now + MinimumUse;
                    }

                    int index = partNumbers.IndexOf(part.PartNumber);
                    if (index < 0 || (part.ContentMd5 is not null && part.ContentMd5 != md5s[index]))
                    {
                        continue; // not asked for, or signed for other bytes: unusable
                    }

                    _urls[part.PartNumber] = new PartUrl(part.PartNumber, uri, md5s[index], expires, usable);
                }

                if (!partNumbers.TrueForAll(n => _urls.ContainsKey(n) || _done.Contains(n)))
                {
                    throw new UploadApiException(System.Net.HttpStatusCode.OK, "InvalidResponse", $"POST /uploads/{_uploadId}/parts did not return a URL for every part asked for.");
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _fetch = null;
            }
        }
    }
}
