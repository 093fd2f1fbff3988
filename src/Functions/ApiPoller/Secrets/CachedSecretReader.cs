using System.Collections.Concurrent;

namespace Patterns.Cdk.Functions.ApiPoller.Secrets;

/// <summary>
/// Keeps each secret for <see cref="DefaultTimeToLive"/> (five minutes) per Lambda container, so a worker fetching many
/// pages reads the secret once, and a rotated secret is picked up within minutes. A failed read is never cached.
/// </summary>
internal sealed class CachedSecretReader(ISecretReader inner, TimeProvider clock, TimeSpan? timeToLive = null) : ISecretReader
{
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _timeToLive = timeToLive ?? DefaultTimeToLive;

    public async Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = clock.GetUtcNow();
        if (_entries.TryGetValue(secretId, out Entry? entry) && entry.ReadAt + _timeToLive > now && !entry.Value.IsFaulted)
        {
            return await entry.Value;
        }

        var fresh = new Entry(inner.GetSecretStringAsync(secretId, cancellationToken), now);
        _entries[secretId] = fresh;
        try
        {
            return await fresh.Value;
        }
        catch
        {
            _entries.TryRemove(KeyValuePair.Create(secretId, fresh)); // a failure is never cached
            throw;
        }
    }

    private sealed record Entry(Task<string> Value, DateTimeOffset ReadAt);
}
