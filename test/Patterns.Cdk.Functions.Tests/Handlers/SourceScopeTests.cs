using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class SourceScopeTests
{
    private readonly SourceScope _scope = new(Samples.Bucket, "incoming/");

    [Theory]
    [InlineData("ObjectCreated:Put")]
    [InlineData("ObjectCreated:Copy")]
    [InlineData("ObjectCreated:CompleteMultipartUpload")]
    public void Accepts_created_objects_in_the_source_bucket_under_the_prefix(string eventName)
    {
        ScopeCheck check = _scope.Check(Record(Samples.S3Record("incoming/my+file%2B1.txt", eventName: eventName, versionId: "v7")));

        check.SkipReason.Should().BeNull();
        check.Target.Should().Be(new S3ObjectRef(Samples.Bucket, "incoming/my file+1.txt", "v7", Samples.ETag));
    }

    [Theory]
    [InlineData("ObjectRemoved:Delete", Samples.Bucket, "incoming/a.txt", "not an ObjectCreated event")]
    [InlineData("ObjectCreated:Put", "someone-elses-bucket", "incoming/a.txt", "SOURCE_BUCKET")]
    [InlineData("ObjectCreated:Put", Samples.Bucket, "processed/a.txt", "INPUT_PREFIX")]
    [InlineData("ObjectCreated:Put", Samples.Bucket, "Incoming/a.txt", "INPUT_PREFIX")]
    [InlineData("ObjectCreated:Put", Samples.Bucket, "incoming%2Fa.txt", null)]
    public void Skips_records_the_handler_does_not_own(string eventName, string bucket, string key, string? reason)
    {
        ScopeCheck check = _scope.Check(Record(Samples.S3Record(key, bucket: bucket, eventName: eventName)));

        if (reason is null)
        {
            check.Target!.Key.Should().Be("incoming/a.txt", "the prefix is matched on the decoded key");
        }
        else
        {
            check.Target.Should().BeNull();
            check.SkipReason.Should().Contain(reason);
        }
    }

    [Fact]
    public void The_null_version_id_of_an_unversioned_write_is_no_version()
    {
        _scope.Check(Record(Samples.S3Record("incoming/a.txt", versionId: "null"))).Target!.VersionId.Should().BeNull();
    }

    [Fact]
    public void Select_checks_every_record_before_returning_and_logs_skips_at_error()
    {
        var log = new TestLog();
        S3Notification notification = S3Notification.Parse(Samples.S3Event(
            Samples.S3Record("incoming/a.txt"),
            Samples.S3Record("elsewhere/b.txt"),
            Samples.S3Record("incoming/c.txt")));

        var selected = _scope.Select(notification.Records, log.Log);

        selected.Select(s => s.Target.Key).Should().Equal("incoming/a.txt", "incoming/c.txt");
        var error = log.At("ERROR").Should().ContainSingle().Subject;
        error.GetProperty("rawKey").GetString().Should().Be("elsewhere/b.txt");
        error.GetProperty("reason").GetString().Should().Contain("INPUT_PREFIX");
    }

    [Fact]
    public void A_folder_marker_is_skipped_at_info_not_processed_and_not_reported_as_misconfiguration()
    {
        var log = new TestLog();
        S3Notification notification = S3Notification.Parse(Samples.S3Event(
            Samples.S3Record("incoming/reports/", size: 0),
            Samples.S3Record("incoming/reports/q1.csv")));

        var selected = _scope.Select(notification.Records, log.Log);

        selected.Select(s => s.Target.Key).Should().Equal("incoming/reports/q1.csv");
        log.At("ERROR").Should().BeEmpty();
        log.At("INFO").Should().ContainSingle(e => e.GetProperty("reason").GetString()!.Contains("folder marker"));
    }

    [Theory]
    [InlineData("incoming/dir/", 0L, true)]
    [InlineData("incoming/dir/", 12L, false)]
    [InlineData("incoming/file", 0L, false)]
    public void Folder_markers_are_zero_byte_keys_ending_in_a_slash(string key, long size, bool expected) =>
        SourceScope.IsFolderMarker(key, size).Should().Be(expected);

    [Fact]
    public void Select_rejects_the_whole_event_when_any_key_is_malformed()
    {
        S3Notification notification = S3Notification.Parse(Samples.S3Event(Samples.S3Record("incoming/a.txt"), Samples.S3Record("incoming/%ZZ")));

        Action select = () => _scope.Select(notification.Records, new TestLog().Log);

        select.Should().Throw<BadInputException>();
    }

    private static S3EventRecord Record(string recordJson) => S3Notification.Parse(Samples.S3Event(recordJson)).Records[0];
}
