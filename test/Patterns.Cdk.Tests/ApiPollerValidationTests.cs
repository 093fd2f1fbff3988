using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>One case per validation rule of ApiPollerProps, with the exact message; and one per warning id.</summary>
public class ApiPollerValidationTests
{
    private static PartnerSource Source(string name = "orders", string url = "https://partner.example.com/v1/orders", Pagination pagination = Pagination.PageNumber,
        string? total = "total", string? cursorField = null, double? pageSize = null, double? maxConcurrency = null, double? rps = null,
        Duration? requestTimeout = null, IReadOnlyList<SourceParameter>? parameters = null, bool? insecure = null, string? authHeader = null,
        double? maxPages = null, double? maxAttempts = null, Duration? maxRetryAfter = null, double? maxPageBytes = null, double? firstPage = null) => new()
    {
        Name = name, BaseUrl = url, Pagination = pagination, TotalField = total, CursorField = cursorField, PageSize = pageSize,
        MaxConcurrency = maxConcurrency, RequestsPerSecond = rps, RequestTimeout = requestTimeout, Parameters = parameters,
        AllowInsecureHttp = insecure, AuthHeader = authHeader, MaxPages = maxPages, MaxAttempts = maxAttempts, MaxRetryAfter = maxRetryAfter,
        MaxPageBytes = maxPageBytes, FirstPage = firstPage,
    };

    private static readonly SourceParameter Since = new() { Name = "since", Pattern = @"^\d{4}-\d{2}-\d{2}$", MaxLength = 10, Required = true };

    public static TheoryData<string, Func<Stack, ApiPollerProps>, string> Rules() => new()
    {
        { "no sources", _ => new(), "Sources: must name at least one partner source (got \"nothing\"); add a PartnerSource with a Name and an https BaseUrl" },
        { "too many sources", _ => new() { Sources = Enumerable.Range(0, 21).Select(i => Source($"s{i}")).ToList() },
            "Sources: has more than 20 sources (got 21); split them over several ApiPoller constructs" },
        { "duplicate source", _ => new() { Sources = [Source(), Source()] },
            "Sources: has two sources with the same Name, but job requests pick a source by name (got \"orders\"); give every source a unique Name" },
        { "source name", _ => new() { Sources = [Source("Orders!")] },
            "Sources[0].Name: must match ^[a-z0-9][a-z0-9-]{0,62}$ (it appears in job requests and in object keys) (got \"Orders!\"); use lower-case letters, digits and '-', e.g. \"orders\"" },
        { "relative url", _ => new() { Sources = [Source(url: "partner/orders")] },
            "Sources[0].BaseUrl: must be an absolute https URL (got \"partner/orders\"); use e.g. \"https://partner.example.com/v1/orders\"" },
        { "http url", _ => new() { Sources = [Source(url: "http://partner.example.com/orders")] },
            "Sources[0].BaseUrl: uses http, so the partner's data (and any auth header) would cross the network unencrypted (got \"http://partner.example.com/orders\"); use https, or set AllowInsecureHttp for a test partner" },
        { "fragment", _ => new() { Sources = [Source(url: "https://partner.example.com/orders#top")] },
            "Sources[0].BaseUrl: has a fragment, which is never sent to the partner (got \"https://partner.example.com/orders#top\"); remove the '#...' part" },
        { "page size", _ => new() { Sources = [Source(pageSize: 0)] }, "Sources[0].PageSize: must be between 1 and 10000 (got 0); the default is 100" },
        { "first page", _ => new() { Sources = [Source(firstPage: 2)] }, "Sources[0].FirstPage: must be 0 or 1 (got 2); the default is 1" },
        { "max pages", _ => new() { Sources = [Source(maxPages: 20_000_000)] }, "Sources[0].MaxPages: must be between 1 and 10,000,000 (got 20000000); the default is 1,000,000" },
        { "request timeout", _ => new() { Sources = [Source(requestTimeout: Duration.Seconds(90))] },
            "Sources[0].RequestTimeout: must be between 1 and 60 seconds (got 1 minute 30 seconds); the default is 10 seconds" },
        { "concurrency", _ => new() { Sources = [Source(maxConcurrency: 0)] }, "Sources[0].MaxConcurrency: must be between 1 and 1000 (got 0); the default is 5" },
        { "rps", _ => new() { Sources = [Source(rps: 5000)] }, "Sources[0].RequestsPerSecond: must be between 0.1 and 1000 (got 5000); the default is 5" },
        { "page bytes", _ => new() { Sources = [Source(maxPageBytes: 10)] }, "Sources[0].MaxPageBytes: must be between 1 KiB and 1 GiB (got 10); the default is 10 MiB (10485760)" },
        { "retry after", _ => new() { Sources = [Source(maxRetryAfter: Duration.Minutes(10))] },
            "Sources[0].MaxRetryAfter: must be between 1 second and 5 minutes (got 10 minutes); the default is 60 seconds" },
        { "attempts", _ => new() { Sources = [Source(maxAttempts: 11)] }, "Sources[0].MaxAttempts: must be between 1 and 10 (got 11); the default is 5" },
        { "cursor field", _ => new() { Sources = [Source(pagination: Pagination.Cursor, total: null)] },
            "Sources[0].CursorField: is required for Cursor pagination (the page field that names the next page) (got nothing); set it, e.g. \"next\"" },
        { "total field", _ => new() { Sources = [Source(pagination: Pagination.OffsetLimit, total: null)] },
            "Sources[0].TotalField: is required for OffsetLimit pagination (the first page's item count plans the fan-out) (got nothing); set it, e.g. \"total\", or use Cursor pagination if the partner does not report a total" },
        { "auth header without secret", _ => new() { Sources = [Source(authHeader: "X-Api-Key")] },
            "Sources[0].AuthHeader: was given without AuthSecret, so no header would be sent (got \"X-Api-Key\"); set AuthSecret to the secret holding the header value, or remove AuthHeader" },
        { "bad header", _ => new() { Sources = [Source(authHeader: "X Api")] },
            "Sources[0].AuthHeader: is not a valid HTTP header name (got \"X Api\"); use e.g. \"Authorization\" or \"X-Api-Key\"" },
        { "request timeout vs fetcher", _ => new() { Sources = [Source(requestTimeout: Duration.Seconds(20))], FetcherTimeout = Duration.Seconds(45) },
            "Sources[0].RequestTimeout: leaves no room in FetcherTimeout 45 seconds: a fetcher needs at least 3 x the request timeout to fetch one page and stop in time (got 20 seconds); lower RequestTimeout or raise FetcherTimeout" },
        { "batch too slow", _ => new() { Sources = [Source(rps: 0.5, maxConcurrency: 10)] },
            "Sources[0].RequestsPerSecond: makes a batch of 25 pages take about 500 seconds (10 concurrent batches share the rate), longer than an Express child may run (150 seconds with margin) (got 0.5); lower PagesPerBatch or MaxConcurrency, or raise RequestsPerSecond" },
        { "parameter name", _ => new() { Sources = [Source(parameters: [new SourceParameter { Name = "a b" }])] },
            "Sources[0].Parameters[0].Name: must match ^[A-Za-z0-9_.-]{1,64}$ (got \"a b\"); use a plain query-string name, e.g. \"since\"" },
        { "parameter twice", _ => new() { Sources = [Source(parameters: [Since, Since])] },
            "Sources[0].Parameters[1].Name: is declared twice (got \"since\"); declare each parameter once" },
        { "parameter reserved", _ => new() { Sources = [Source(parameters: [new SourceParameter { Name = "page" }])] },
            "Sources[0].Parameters[0].Name: is the source's own pagination parameter, which the fetchers set (got \"page\"); rename the parameter or the pagination parameter" },
        { "parameter length", _ => new() { Sources = [Source(parameters: [new SourceParameter { Name = "q", MaxLength = 0 }])] },
            "Sources[0].Parameters[0].MaxLength: must be between 1 and 1024 (got 0); the default is 256" },
        { "parameter pattern", _ => new() { Sources = [Source(parameters: [new SourceParameter { Name = "q", Pattern = "([" }])] },
            "Sources[0].Parameters[0].Pattern: is not a valid regular expression (got \"([\"); fix the expression" },
        { "schedule source", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "nightly", Source = "invoices", Expression = "rate(1 day)" }] },
            "Schedules[0].Source: names no source of this poller (got \"invoices\"); use one of: orders" },
        { "schedule name", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "Nightly", Source = "orders", Expression = "rate(1 day)" }] },
            "Schedules[0].Name: must match ^[a-z0-9][a-z0-9-]{0,62}$ (got \"Nightly\"); use lower-case letters, digits and '-', e.g. \"nightly-orders\"" },
        { "schedule twice", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)" }, new JobSchedule { Name = "n", Source = "orders", Expression = "rate(2 days)" }] },
            "Schedules: has two schedules with the same Name, but the name makes the scheduled job's id (got \"n\"); give every schedule a unique Name" },
        { "schedule expression", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "0 2 * * *" }] },
            "Schedules[0].Expression: is not an EventBridge Scheduler expression: it must be cron(...), rate(...) or at(...) (got \"0 2 * * *\"); use e.g. \"cron(0 2 * * ? *)\" (02:00 every day), \"rate(6 hours)\" or \"at(2030-01-31T02:00:00)\"" },
        { "schedule cron grammar", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "cron(0 2 * * * *)" }] },
            "Schedules[0].Expression: is not an EventBridge Scheduler expression: one of day-of-month and day-of-week must be '?' (they cannot both constrain the day) (got \"cron(0 2 * * * *)\")" },
        { "schedule rate unit", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 hours)" }] },
            "Schedules[0].Expression: is not an EventBridge Scheduler expression: a value of 1 takes the singular unit (hour) (got \"rate(1 hours)\")" },
        { "time zone shape", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)", TimeZone = "CET+1:00" }] },
            "Schedules[0].TimeZone: is not an IANA time zone: it is not an IANA time-zone id (Windows ids such as \"Romance Standard Time\" and offsets such as \"+01:00\" are not accepted) (got \"CET+1:00\"); use e.g. \"UTC\", \"Europe/Paris\" or \"America/Argentina/Buenos_Aires\"" },
        { "time zone unknown", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)", TimeZone = "Mars/Olympus" }] },
            "Schedules[0].TimeZone: is not an IANA time zone: no such zone in the IANA time-zone database (got \"Mars/Olympus\")" },
        { "schedule unknown parameter", _ => new() { Sources = [Source()], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)", Parameters = new Dictionary<string, string> { ["since"] = "2024-01-01" } }] },
            "Schedules[0].Parameters: has \"since\", which source \"orders\" does not declare (got \"since\"); declare it in the source's Parameters or remove it" },
        { "schedule parameter pattern", _ => new() { Sources = [Source(parameters: [Since])], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)", Parameters = new Dictionary<string, string> { ["since"] = "yesterday" } }] },
            "Schedules[0].Parameters: has \"since\" not matching ^\\d{4}-\\d{2}-\\d{2}$ (got \"yesterday\"); fix the value" },
        { "schedule parameter missing", _ => new() { Sources = [Source(parameters: [Since])], Schedules = [new JobSchedule { Name = "n", Source = "orders", Expression = "rate(1 day)" }] },
            "Schedules[0].Parameters: lacks \"since\", which source \"orders\" requires (got \"nothing\"); add the parameter" },
        { "job timeout short", _ => new() { Sources = [Source()], JobTimeout = Duration.Minutes(10) },
            "JobTimeout: must exceed the worst retry chain of one fetch (962 seconds: FetcherTimeout 2 minutes on every attempt of the task's retries, plus their backoff) (got 10 minutes); raise JobTimeout (the default is 24 hours) or lower FetcherTimeout" },
        { "job timeout long", _ => new() { Sources = [Source()], JobTimeout = Duration.Days(400) },
            "JobTimeout: must be at most 365 days (a Standard workflow's longest run) (got 400 days); the default is 24 hours" },
        { "job ttl", _ => new() { Sources = [Source()], JobTtl = Duration.Hours(12) }, "JobTtl: must be between 1 and 365 days (got 12 hours); the default is 7 days" },
        { "pages per batch", _ => new() { Sources = [Source()], PagesPerBatch = 5000 }, "PagesPerBatch: must be between 1 and 1000 (got 5000); the default is 25" },
        { "fetcher timeout", _ => new() { Sources = [Source()], FetcherTimeout = Duration.Minutes(5) },
            "FetcherTimeout: must be between 30 seconds and 4 minutes (a batch of pages runs in an Express child, which stops after 5 minutes) (got 5 minutes); the default is 2 minutes" },
        { "planner timeout", _ => new() { Sources = [Source()], PlannerTimeout = Duration.Minutes(20) }, "PlannerTimeout: must be between 10 seconds and 15 minutes (got 20 minutes); the default is 2 minutes" },
        { "consumer timeout", _ => new() { Sources = [Source()], ConsumerTimeout = Duration.Seconds(1) }, "ConsumerTimeout: must be between 5 seconds and 15 minutes (got 1 second); the default is 60 seconds" },
        { "consumer concurrency", _ => new() { Sources = [Source()], ConsumerMaxConcurrency = 1 },
            "ConsumerMaxConcurrency: must be between 2 and 1000 (SQS event sources need at least 2) (got 1); the default is 10" },
        { "memory", _ => new() { Sources = [Source()], FetcherMemorySize = 64 }, "FetcherMemorySize: must be between 128 and 10240 MB (got 64); the default is 512" },
        { "log level", _ => new() { Sources = [Source()], LogLevel = "LOUD" }, "LogLevel: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got \"LOUD\"); the default is INFO" },
        { "max receive", _ => new() { Sources = [Source()], MaxReceiveCount = 0 }, "MaxReceiveCount: must be between 1 and 100 (got 0); the default is 3" },
        { "alarm topic unused", s => new() { Sources = [Source()], CreateAlarms = false, AlarmTopic = new Amazon.CDK.AWS.SNS.Topic(s, "T") },
            "AlarmTopic: was given but CreateAlarms is false, so nothing would notify it (got \"a topic\"); remove AlarmTopic or set CreateAlarms to true" },
        { "api rate", _ => new() { Sources = [Source()], ApiRateLimit = 0 }, "ApiRateLimit: must be between 1 and 10000 requests per second (got 0); the default is 50" },
        { "api burst", _ => new() { Sources = [Source()], ApiBurstLimit = 9000 }, "ApiBurstLimit: must be between 1 and 5000 requests (got 9000); the default is 100" },
        { "api authorization", _ => new() { Sources = [Source()], ApiAuthorization = (ApiAuthorization)7 }, "ApiAuthorization: is not a known ApiAuthorization (got 7); use ApiAuthorization.Iam" },
        { "table twice", s => new() { Sources = [Source()], ExistingTable = Table.FromTableName(s, "T", "jobs"), TableProps = new TableProps() },
            "ExistingTable, TableProps: both were given, but they are alternatives (got both); pass ExistingTable to use your table, or TableProps to tune the one the construct creates, not both" },
        { "bucket twice", s => new() { Sources = [Source()], ExistingBucket = Bucket.FromBucketName(s, "B", "pages"), BucketProps = new BucketProps() },
            "ExistingBucket, BucketProps: both were given, but they are alternatives (got both); pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both" },
        { "table without stream", s => new() { Sources = [Source()], ExistingTable = Table.FromTableName(s, "T", "jobs") },
            "ExistingTable: has no stream ARN, but the pipe that starts jobs reads the table's stream (got \"a table without TableStreamArn\"); enable a NEW_IMAGE stream on the table and import it with Table.FromTableAttributes(..., new TableAttributes { TableArn = ..., TableStreamArn = ... })" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_fails_with_its_documented_message(string rule, Func<Stack, ApiPollerProps> props, string message)
    {
        ApiPollerSynth.Constructing(props).Should().Throw<ArgumentException>(rule).Which.Message.Should().Contain(message);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        ApiPollerSynth.Constructing(_ => new() { Sources = [Source(pageSize: 0, maxConcurrency: 0)], PagesPerBatch = 0 })
            .Should().Throw<ArgumentException>().Which.Message.Should().StartWith("Invalid ApiPollerProps (3 problems):");
    }

    [Fact]
    public void A_url_from_another_construct_is_checked_by_the_handlers_not_at_synth()
    {
        var act = ApiPollerSynth.Constructing(s => new()
        {
            Sources = [Source(url: new Amazon.CDK.AWS.Apigatewayv2.HttpApi(s, "Partner").ApiEndpoint + "/items")],
        });
        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("insecureHttp")]
    [InlineData("noDeadLetterQueue")]
    [InlineData("apiWithoutAuthorization")]
    [InlineData("workflowLogsOff")]
    public void Overriding_a_secure_default_warns_with_a_stable_id(string topic)
    {
        var props = topic switch
        {
            "insecureHttp" => new ApiPollerProps { Sources = [Source(url: "http://localhost:8080/orders", insecure: true)] },
            "noDeadLetterQueue" => new ApiPollerProps { Sources = [Source()], DeployDeadLetterQueue = false },
            "apiWithoutAuthorization" => new ApiPollerProps { Sources = [Source()], ApiAuthorization = ApiAuthorization.None },
            _ => new ApiPollerProps { Sources = [Source()], StateMachineLogLevel = Amazon.CDK.AWS.StepFunctions.LogLevel.OFF },
        };
        var (stack, _, _) = ApiPollerSynth.Poller(props);
        var warnings = Amazon.CDK.Assertions.Annotations.FromStack(stack).FindWarning("*", Amazon.CDK.Assertions.Match.StringLikeRegexp($"patterns-cdk:ApiPoller\\.{topic}"));
        warnings.Should().NotBeEmpty();
    }

    [Fact]
    public void Without_authorization_the_routes_are_open_and_the_finding_is_explained()
    {
        var (stack, _, _) = ApiPollerSynth.Poller(new() { Sources = [Source()], ApiAuthorization = ApiAuthorization.None });
        ApiPollerTemplate.Resources(stack, "AWS::ApiGatewayV2::Route").Should().OnlyContain(r => (string)r.Properties["AuthorizationType"]! == "NONE");
        TestApp.Json(stack).Should().Contain("AwsSolutions-APIG4");
    }
}
