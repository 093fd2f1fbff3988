namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>A backup under <c>backups/{env}/</c>: its id (a UTC timestamp, so ids sort by age) and whether it was verified.</summary>
public sealed record BackupEntry(string BackupId, bool Verified);

/// <summary>Which whole backups to delete after a verification.</summary>
public static class BackupPruning
{
    /// <summary>
    /// Keeps the <paramref name="keep"/> newest verified backups and every backup newer than the oldest of them
    /// (verified or not: a newer unverified one may be a pause in progress); deletes everything older. Never the
    /// <paramref name="current"/> backup. With fewer than <paramref name="keep"/> verified backups nothing is deleted.
    /// </summary>
    /// <returns>The ids to delete, oldest first.</returns>
    public static IReadOnlyList<string> Choose(IEnumerable<BackupEntry> backups, int keep, string current)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var all = backups.ToList();
        var verified = all.Where(b => b.Verified).Select(b => b.BackupId).OrderByDescending(id => id, StringComparer.Ordinal).ToList();
        if (verified.Count < keep)
        {
            return [];
        }

        string oldestKept = verified[keep - 1];
        return all
            .Select(b => b.BackupId)
            .Where(id => string.CompareOrdinal(id, oldestKept) < 0 && id != current)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(id => id, StringComparer.Ordinal)
            .ToList();
    }
}
