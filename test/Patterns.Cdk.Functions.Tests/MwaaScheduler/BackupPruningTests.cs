using Patterns.Cdk.Functions.MwaaScheduler.Catalog;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>Keep the N newest verified backups; delete whole backups older than them; never the current one.</summary>
public sealed class BackupPruningTests
{
    private static BackupEntry V(string id) => new(id, Verified: true);

    private static BackupEntry U(string id) => new(id, Verified: false);

    [Fact]
    public void Keeps_the_n_newest_verified_and_deletes_older_ones_verified_or_not()
    {
        BackupEntry[] backups = [V("20260101T000000Z"), U("20260102T000000Z"), V("20260103T000000Z"), V("20260104T000000Z"), U("20260105T000000Z"), V("20260106T000000Z")];

        BackupPruning.Choose(backups, keep: 2, current: "20260106T000000Z")
            .Should().Equal("20260101T000000Z", "20260102T000000Z", "20260103T000000Z");
    }

    [Fact]
    public void Unverified_backups_newer_than_the_oldest_kept_one_stay()
    {
        BackupEntry[] backups = [V("20260101T000000Z"), V("20260103T000000Z"), U("20260104T000000Z"), V("20260105T000000Z")];

        BackupPruning.Choose(backups, keep: 2, current: "20260105T000000Z").Should().Equal("20260101T000000Z");
    }

    [Fact]
    public void Fewer_verified_backups_than_n_delete_nothing()
    {
        BackupEntry[] backups = [U("20260101T000000Z"), V("20260102T000000Z"), V("20260103T000000Z")];

        BackupPruning.Choose(backups, keep: 3, current: "20260103T000000Z").Should().BeEmpty();
    }

    [Fact]
    public void Keep_one_keeps_only_the_current_backup_and_newer_ones()
    {
        BackupEntry[] backups = [V("20260101T000000Z"), V("20260102T000000Z"), U("20260104T000000Z")];

        BackupPruning.Choose(backups, keep: 1, current: "20260102T000000Z").Should().Equal("20260101T000000Z");
    }

    [Fact]
    public void The_current_backup_is_never_deleted_even_when_older_than_the_kept_ones()
    {
        // An old backup re-verified after newer ones exist: it is the one the pointer names now.
        BackupEntry[] backups = [V("20260101T000000Z"), V("20260105T000000Z"), V("20260106T000000Z")];

        BackupPruning.Choose(backups, keep: 2, current: "20260101T000000Z").Should().BeEmpty();
    }

    [Fact]
    public void Keep_must_be_positive() =>
        FluentActions.Invoking(() => BackupPruning.Choose([], 0, "x")).Should().Throw<ArgumentOutOfRangeException>();
}
