using System.Text.Json;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>A presigned part URL and when it stops working.</summary>
internal sealed record PartUrl(int PartNumber, Uri Url, DateTimeOffset ExpiresAt, DateTimeOffset UsableUntil);

/// <summary>
/// Part URLs of one multipart upload, minted by the API on demand in batches (<c>POST /uploads/{id}/parts</c>):
/// the first request for a part without a usable URL fetches a batch starting at it, and while the parts go out a
/// batch ahead is fetched in the background whenever fewer than <c>lookahead</c> undispatched parts have a URL, so part
/// uploads rarely wait for the API. An expired URL is dropped (<see cref="Invalidate"/>) and the next request for that
/// part mints a fresh one. One fetch at a time.
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

    public async Task<PartUrl> GetAsync(int partNumber, CancellationToken ct)
    {
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

    private bool IsUsable(PartUrl url) => _clock.GetUtcNow() < url.UsableUntil;

    private List<int> BatchFrom(int partNumber)
    {
        var batch = new List<int>(_batchSize) { partNumber };
        for (int i = _position[partNumber] + 1; i < _order.Length && batch.Count < _batchSize; i++)
        {
            int n = _order[i];
            if (!_done.Contains(n) && !(_urls.TryGetValue(n, out PartUrl? url) && IsUsable(url)))
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
            else if (firstMissing < 0 && !_done.Contains(n))
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
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new PartUrlsRequestBody { PartNumbers = [.. partNumbers] }, ApiJson.Default.PartUrlsRequestBody);
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

                    _urls[part.PartNumber] = new PartUrl(part.PartNumber, uri, expires, usable);
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
