using Amazon.CDK;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Patterns.Cdk.ApiPoller;

namespace Patterns.Cdk.App;

/// <summary>
/// An ApiPoller that synchronises the demo partner's collection, by page number and by cursor, on request (IAM-signed
/// POST /jobs) and every night at 02:00 Paris time.
/// </summary>
public sealed class PartnerSyncStack : Stack
{
    /// <summary>The poller.</summary>
    public ApiPoller.ApiPoller Poller { get; }

    /// <summary>
    /// Creates the stack; <paramref name="partnerUrl"/> comes from the demo partner's stack, and every alarm notifies
    /// <paramref name="alarmTopic"/>.
    /// </summary>
    public PartnerSyncStack(Construct scope, string id, string partnerUrl, ITopic alarmTopic, IStackProps props) : base(scope, id, props)
    {
        Poller = new ApiPoller.ApiPoller(this, "Poller", new ApiPollerProps
        {
            Sources =
            [
                new PartnerSource
                {
                    Name = "items",
                    BaseUrl = partnerUrl + "/items",
                    Pagination = Pagination.PageNumber,
                    PageSize = 100,
                    TotalField = "total",
                    MaxConcurrency = 5,
                    RequestsPerSecond = 10,
                    Parameters = [new SourceParameter { Name = "since", Pattern = @"^\d{4}-\d{2}-\d{2}$", MaxLength = 10 }],
                },
                new PartnerSource
                {
                    Name = "items-by-cursor",
                    BaseUrl = partnerUrl + "/items",
                    Pagination = Pagination.Cursor,
                    PageSize = 100,
                    CursorField = "next",
                    RequestsPerSecond = 5,
                },
            ],
            Schedules =
            [
                new JobSchedule { Name = "nightly-items", Source = "items", Expression = "cron(0 2 * * ? *)", TimeZone = "Europe/Paris" },
            ],
            AlarmTopic = alarmTopic,
        });

        _ = new CfnOutput(this, "JobApiUrl", new CfnOutputProps
        {
            Value = Poller.ApiUrl + "/jobs",
            Description = "POST {\"source\":\"items\"} here with SigV4 (execute-api), then GET /jobs/{jobId}.",
        });
        _ = new CfnOutput(this, "PayloadBucketName", new CfnOutputProps { Value = Poller.Bucket.BucketName, Description = "Fetched pages land under jobs/{jobId}/pages/." });
    }
}
