using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>Every synth-time rule of <see cref="ApiPollerProps"/>, each with the message users see.</summary>
internal static partial class ApiPollerValidation
{
    /// <summary>A batch's pacing must fit in the child's budget (Orchestrator.BatchBudgetSeconds), with 30 s for the requests' latency.</summary>
    public const double MaxBatchSeconds = Orchestrator.BatchBudgetSeconds - 30;

    /// <summary>Most sources one poller takes.</summary>
    public const int MaxSources = 20;

    public static void Validate(ApiPollerProps p)
    {
        var v = new PropsValidator(nameof(ApiPoller));
        v.FiniteNumbers(nameof(p.TableProps), p.TableProps).FiniteNumbers(nameof(p.BucketProps), p.BucketProps);
        v.Exclusive(nameof(p.ExistingTable), p.ExistingTable, nameof(p.TableProps), p.TableProps,
                "pass ExistingTable to use your table, or TableProps to tune the one the construct creates, not both")
            .Exclusive(nameof(p.ExistingBucket), p.ExistingBucket, nameof(p.BucketProps), p.BucketProps,
                "pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both")
            .When(p.ExistingTable is { TableStreamArn: null }, nameof(p.ExistingTable),
                "has no stream ARN, but the pipe that starts jobs reads the table's stream", "a table without TableStreamArn",
                "enable a NEW_IMAGE stream on the table and import it with Table.FromTableAttributes(..., new TableAttributes { TableArn = ..., TableStreamArn = ... })")
            .When(p.TableProps?.ReplicationRegions is { Length: > 0 }, $"{nameof(p.TableProps)}.{nameof(TableProps.ReplicationRegions)}",
                "cannot replicate the progress table: CDK's replicas need a NEW_AND_OLD_IMAGES stream, and this table's stream is NEW_IMAGE (the pipe that starts jobs reads it)",
                p.TableProps?.ReplicationRegions is { } regions ? string.Join(", ", regions) : null,
                "remove ReplicationRegions, or pass ExistingTable (for example a global TableV2 with a NEW_IMAGE or NEW_AND_OLD_IMAGES stream)")
            .When(PropsValidator.OutOfRange(p.MaxReceiveCount, 1, 100), nameof(p.MaxReceiveCount), "must be between 1 and 100", p.MaxReceiveCount, "the default is 3")
            .When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic),
                "was given but CreateAlarms is false, so nothing would notify it", "a topic", "remove AlarmTopic or set CreateAlarms to true");
        foreach (var (name, value) in new[]
                 {
                     (nameof(p.ApiMemorySize), p.ApiMemorySize), (nameof(p.PlannerMemorySize), p.PlannerMemorySize),
                     (nameof(p.FetcherMemorySize), p.FetcherMemorySize), (nameof(p.ConsumerMemorySize), p.ConsumerMemorySize),
                 })
        {
            v.When(PropsValidator.OutOfRange(value, 128, 10240), name, "must be between 128 and 10240 MB", value, "the default is 512");
        }

        v.Whole((nameof(p.MaxReceiveCount), p.MaxReceiveCount), (nameof(p.ApiMemorySize), p.ApiMemorySize), (nameof(p.PlannerMemorySize), p.PlannerMemorySize),
            (nameof(p.FetcherMemorySize), p.FetcherMemorySize), (nameof(p.ConsumerMemorySize), p.ConsumerMemorySize),
            (nameof(p.ConsumerMaxConcurrency), p.ConsumerMaxConcurrency), (nameof(p.PagesPerBatch), p.PagesPerBatch), (nameof(p.ApiBurstLimit), p.ApiBurstLimit));
        foreach (var (name, value) in new[]
                 {
                     (nameof(p.PlannerTimeout), p.PlannerTimeout), (nameof(p.FetcherTimeout), p.FetcherTimeout),
                     (nameof(p.ConsumerTimeout), p.ConsumerTimeout), (nameof(p.JobTimeout), p.JobTimeout),
                 })
        {
            v.When(PropsValidator.NotWholeSeconds(value), name, "must be a whole number of seconds (Lambda and Step Functions take whole seconds)", value,
                "round it, e.g. Duration.Seconds(90)");
        }

        // A fractional FetcherTimeout is reported above; the rules below reason with the default instead of failing on it.
        var fetcherTimeout = p.FetcherTimeout is { } ft && !PropsValidator.NotWholeSeconds(ft) ? ft : ApiPoller.DefaultFetcherTimeout;
        v.When(PropsValidator.OutOfRange(p.PlannerTimeout, 10, 900), nameof(p.PlannerTimeout), "must be between 10 seconds and 15 minutes", p.PlannerTimeout, "the default is 2 minutes")
            .When(PropsValidator.OutOfRange(p.FetcherTimeout, 30, 240), nameof(p.FetcherTimeout),
                "must be between 30 seconds and 4 minutes (a batch of pages runs in an Express child, which stops after 5 minutes)", p.FetcherTimeout, "the default is 2 minutes")
            .When(PropsValidator.OutOfRange(p.ConsumerTimeout, 5, 900), nameof(p.ConsumerTimeout), "must be between 5 seconds and 15 minutes", p.ConsumerTimeout, "the default is 60 seconds")
            .When(PropsValidator.OutOfRange(p.ConsumerMaxConcurrency, 2, 1000), nameof(p.ConsumerMaxConcurrency),
                "must be between 2 and 1000 (SQS event sources need at least 2)", p.ConsumerMaxConcurrency, "the default is 10")
            .When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
                nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO")
            .When(PropsValidator.OutOfRange(p.PagesPerBatch, 1, 1000), nameof(p.PagesPerBatch), "must be between 1 and 1000", p.PagesPerBatch, "the default is 25")
            .When(p.JobTtl is { } ttl && (ttl.ToDays(Fractional) < 1 || ttl.ToDays(Fractional) > 365), nameof(p.JobTtl),
                "must be between 1 and 365 days", p.JobTtl, "the default is 7 days")
            .When(p.ApiAuthorization is { } auth && !Enum.IsDefined(auth), nameof(p.ApiAuthorization), "is not a known ApiAuthorization", p.ApiAuthorization, "use ApiAuthorization.Iam")
            .When(PropsValidator.OutOfRange(p.ApiRateLimit, 1, 10000), nameof(p.ApiRateLimit), "must be between 1 and 10000 requests per second", p.ApiRateLimit, "the default is 50")
            .When(PropsValidator.OutOfRange(p.ApiBurstLimit, 1, 5000), nameof(p.ApiBurstLimit), "must be between 1 and 5000 requests", p.ApiBurstLimit, "the default is 100");

        SecureQueue.Validate(v, p.QueueProps, nameof(p.QueueProps), p.ConsumerTimeout ?? ApiPoller.DefaultConsumerTimeout, null,
            nameof(p.ConsumerTimeout), nameof(p.ConsumerTimeout), "the fetchers send");
        var worstFetch = ApiPoller.WorstFetchSeconds(fetcherTimeout);
        v.When(p.JobTimeout is { } jt && PropsValidator.Seconds(jt) <= worstFetch, nameof(p.JobTimeout),
                $"must exceed the worst retry chain of one fetch ({SourceSettings.Text(worstFetch)} seconds: FetcherTimeout {fetcherTimeout.ToHumanString()} on every attempt of the task's retries, plus their backoff)",
                p.JobTimeout, "raise JobTimeout (the default is 24 hours) or lower FetcherTimeout")
            .When(p.JobTimeout is { } jtMax && PropsValidator.Seconds(jtMax) > 365 * 86400, nameof(p.JobTimeout),
                "must be at most 365 days (a Standard workflow's longest run)", p.JobTimeout, "the default is 24 hours");

        var sources = p.Sources ?? [];
        v.When(sources.Count == 0, nameof(p.Sources), "must name at least one partner source", "nothing",
                "add a PartnerSource with a Name and an https BaseUrl")
            .When(sources.Count > MaxSources, nameof(p.Sources), $"has more than {MaxSources} sources", sources.Count,
                "split them over several ApiPoller constructs");
        for (var i = 0; i < sources.Count; i++)
        {
            ValidateSource(v, $"Sources[{i}]", new SourceSettings(sources[i]), p.PagesPerBatch ?? ApiPoller.DefaultPagesPerBatch, fetcherTimeout);
        }

        foreach (var duplicate in sources.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.When(true, nameof(p.Sources), "has two sources with the same Name, but job requests pick a source by name", duplicate.Key,
                "give every source a unique Name");
        }

        var schedules = p.Schedules ?? [];
        for (var i = 0; i < schedules.Count; i++)
        {
            ValidateSchedule(v, $"Schedules[{i}]", schedules[i], sources);
        }

        foreach (var duplicate in schedules.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.When(true, nameof(p.Schedules), "has two schedules with the same Name, but the name makes the scheduled job's id", duplicate.Key,
                "give every schedule a unique Name");
        }

        v.ThrowIfAny();
    }

    private static void ValidateSource(PropsValidator v, string at, SourceSettings s, double pagesPerBatch, Duration fetcherTimeout)
    {
        var src = s.Source;
        v.When(src.Name is null || !NamePattern().IsMatch(src.Name), $"{at}.Name",
                "must match ^[a-z0-9][a-z0-9-]{0,62}$ (it appears in job requests and in object keys)", src.Name, "use lower-case letters, digits and '-', e.g. \"orders\"")
            .When(src.Pagination is { } pg && !Enum.IsDefined(pg), $"{at}.Pagination", "is not a known Pagination", src.Pagination, "use PageNumber, OffsetLimit or Cursor");
        ValidateBaseUrl(v, at, src);
        v.Whole(($"{at}.PageSize", src.PageSize), ($"{at}.MaxPages", src.MaxPages), ($"{at}.MaxConcurrency", src.MaxConcurrency),
            ($"{at}.MaxPageBytes", src.MaxPageBytes), ($"{at}.MaxAttempts", src.MaxAttempts));
        v.When(PropsValidator.OutOfRange(s.PageSize, 1, 10000), $"{at}.PageSize", "must be between 1 and 10000", src.PageSize, "the default is 100")
            .When(src.FirstPage is not (null or 0 or 1), $"{at}.FirstPage", "must be 0 or 1", src.FirstPage, "the default is 1")
            .When(PropsValidator.OutOfRange(s.MaxPages, 1, 10_000_000), $"{at}.MaxPages", "must be between 1 and 10,000,000", src.MaxPages, "the default is 1,000,000")
            .When(PropsValidator.OutOfRange(src.RequestTimeout, 1, 60), $"{at}.RequestTimeout", "must be between 1 and 60 seconds", src.RequestTimeout, "the default is 10 seconds")
            .When(PropsValidator.OutOfRange(s.MaxConcurrency, 1, 1000), $"{at}.MaxConcurrency", "must be between 1 and 1000", src.MaxConcurrency, "the default is 5")
            .When(PropsValidator.OutOfRange(s.RequestsPerSecond, 0.1, 1000), $"{at}.RequestsPerSecond", "must be between 0.1 and 1000", src.RequestsPerSecond, "the default is 5")
            .When(PropsValidator.OutOfRange(s.MaxPageBytes, 1024, 1024 * 1024 * 1024), $"{at}.MaxPageBytes", "must be between 1 KiB and 1 GiB", src.MaxPageBytes, "the default is 10 MiB (10485760)")
            .When(PropsValidator.NotWholeSeconds(src.RequestTimeout), $"{at}.RequestTimeout", "must be a whole number of seconds", src.RequestTimeout, "round it, e.g. Duration.Seconds(10)")
            .When(PropsValidator.NotWholeSeconds(src.MaxRetryAfter), $"{at}.MaxRetryAfter", "must be a whole number of seconds", src.MaxRetryAfter, "round it, e.g. Duration.Seconds(60)")
            .When(PropsValidator.OutOfRange(src.MaxRetryAfter, 1, 300), $"{at}.MaxRetryAfter", "must be between 1 second and 5 minutes", src.MaxRetryAfter, "the default is 60 seconds")
            .When(PropsValidator.OutOfRange(s.MaxAttempts, 1, 10), $"{at}.MaxAttempts", "must be between 1 and 10", src.MaxAttempts, "the default is 5")
            .When(s.Pagination == Pagination.Cursor && string.IsNullOrEmpty(src.CursorField), $"{at}.CursorField",
                "is required for Cursor pagination (the page field that names the next page)", src.CursorField, "set it, e.g. \"next\"")
            .When(s.Pagination != Pagination.Cursor && string.IsNullOrEmpty(src.TotalField), $"{at}.TotalField",
                $"is required for {s.Pagination} pagination (the first page's item count plans the fan-out)", src.TotalField,
                "set it, e.g. \"total\", or use Cursor pagination if the partner does not report a total")
            .When(src.AuthHeader is not null && src.AuthSecret is null, $"{at}.AuthHeader", "was given without AuthSecret, so no header would be sent",
                src.AuthHeader, "set AuthSecret to the secret holding the header value, or remove AuthHeader")
            .When(src.AuthHeader is { } header && !HeaderPattern().IsMatch(header), $"{at}.AuthHeader", "is not a valid HTTP header name", src.AuthHeader,
                "use e.g. \"Authorization\" or \"X-Api-Key\"")
            .When(fetcherTimeout.ToSeconds(Fractional) < 3 * s.RequestTimeout.ToSeconds(Fractional), $"{at}.RequestTimeout",
                $"leaves no room in FetcherTimeout {fetcherTimeout.ToHumanString()}: a fetcher needs at least 3 x the request timeout to fetch one page and stop in time",
                s.RequestTimeout, "lower RequestTimeout or raise FetcherTimeout");

        var secondsPerBatch = pagesPerBatch * s.MaxConcurrency / s.RequestsPerSecond;
        v.When(s.Pagination != Pagination.Cursor && secondsPerBatch > MaxBatchSeconds, $"{at}.RequestsPerSecond",
            $"makes a batch of {SourceSettings.Text(pagesPerBatch)} pages take about {SourceSettings.Text(Math.Round(secondsPerBatch))} seconds " +
            $"({SourceSettings.Text(s.MaxConcurrency)} concurrent batches share the rate), longer than an Express child may run ({SourceSettings.Text(MaxBatchSeconds)} seconds with margin)",
            src.RequestsPerSecond, "lower PagesPerBatch or MaxConcurrency, or raise RequestsPerSecond");

        var names = new HashSet<string>(StringComparer.Ordinal);
        var reserved = ReservedParameters(s);
        for (var j = 0; j < s.Parameters.Count; j++)
        {
            var parameter = s.Parameters[j];
            var pat = $"{at}.Parameters[{j}]";
            v.When(parameter.Name is null || !ParameterNamePattern().IsMatch(parameter.Name), $"{pat}.Name",
                    "must match ^[A-Za-z0-9_.-]{1,64}$", parameter.Name, "use a plain query-string name, e.g. \"since\"")
                .When(parameter.Name is not null && !names.Add(parameter.Name), $"{pat}.Name", "is declared twice", parameter.Name, "declare each parameter once")
                .When(parameter.Name is not null && reserved.Contains(parameter.Name), $"{pat}.Name",
                    "is the source's own pagination parameter, which the fetchers set", parameter.Name, "rename the parameter or the pagination parameter")
                .When(parameter.Name is not null && Credentials.IsCredentialName(parameter.Name), $"{pat}.Name",
                    "looks like a credential, but job parameters are given in plain text (job requests, schedules in the template) and stored in the job record",
                    parameter.Name, "store the credential in AWS Secrets Manager and pass it as the source's AuthSecret with the AuthHeader the partner reads it from")
                .Whole(($"{pat}.MaxLength", parameter.MaxLength))
                .When(PropsValidator.OutOfRange(parameter.MaxLength, 1, 1024), $"{pat}.MaxLength", "must be between 1 and 1024", parameter.MaxLength, "the default is 256")
                .When(parameter.Pattern is { } rx && !Compiles(rx), $"{pat}.Pattern", "is not a valid regular expression", parameter.Pattern, "fix the expression");
        }
    }

    private static void ValidateBaseUrl(PropsValidator v, string at, PartnerSource src)
    {
        if (src.BaseUrl is null || Token.IsUnresolved(src.BaseUrl))
        {
            // A URL from another construct (e.g. another stack's API) is only known at deploy time; the handlers check the scheme again.
            v.When(src.BaseUrl is null, $"{at}.BaseUrl", "is required", src.BaseUrl, "set the partner collection's https URL");
            return;
        }

        var ok = Uri.TryCreate(src.BaseUrl, UriKind.Absolute, out var uri);
        var leaks = ok && (uri!.UserInfo.Length > 0 || Credentials.CredentialQueryParameters(uri).Any());
        var shown = leaks ? Redacted(uri!) : src.BaseUrl; // never echo a credential back
        v.When(!ok || uri!.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host), $"{at}.BaseUrl",
                "must be an absolute https URL", shown, "use e.g. \"https://partner.example.com/v1/orders\"")
            .When(ok && uri!.Scheme == "http" && src.AllowInsecureHttp != true, $"{at}.BaseUrl",
                "uses http, so the partner's data (and any auth header) would cross the network unencrypted", shown,
                "use https, or set AllowInsecureHttp for a test partner")
            .When(ok && !string.IsNullOrEmpty(uri!.Fragment), $"{at}.BaseUrl", "has a fragment, which is never sent to the partner", shown, "remove the '#...' part")
            .When(ok && !string.IsNullOrEmpty(uri!.UserInfo), $"{at}.BaseUrl",
                "carries credentials (user-info before '@'), which would sit in plain text in the functions' environment and the template",
                shown, "remove them from the URL, store the credential in AWS Secrets Manager and pass it as AuthSecret (with AuthHeader, e.g. \"Authorization\")");
        if (ok)
        {
            foreach (var name in Credentials.CredentialQueryParameters(uri!))
            {
                v.When(true, $"{at}.BaseUrl",
                    $"has the query parameter \"{name}\", which looks like a credential and would sit in plain text in the functions' environment and the template",
                    shown, "remove it from the URL, store the credential in AWS Secrets Manager and pass it as AuthSecret with the AuthHeader the partner reads it from");
            }
        }
    }

    /// <summary>The URL as a message may show it: user-info and query values replaced, so the error itself leaks nothing.</summary>
    private static string Redacted(Uri uri)
    {
        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)[0] + (pair.Contains('=', StringComparison.Ordinal) ? "=***" : "")));
        return $"{uri.Scheme}://{(uri.UserInfo.Length > 0 ? "***@" : "")}{uri.Authority}{uri.AbsolutePath}{(query.Length > 0 ? "?" + query : "")}";
    }

    /// <summary>
    /// The real limit on sources: the largest function environment, as Lambda measures it once deployed, must fit in
    /// Lambda's 4 KB. The sources take most of it, so the message names Sources.
    /// </summary>
    public static void ValidateEnvironment(IReadOnlyList<PartnerSource> sources, string function, IReadOnlyDictionary<string, string> environment)
    {
        var bytes = LambdaEnvironment.MeasuredBytes(environment);
        var catalogue = LambdaEnvironment.MeasuredBytes(new Dictionary<string, string> { [SourcesVariable] = environment[SourcesVariable] });
        new PropsValidator(nameof(ApiPoller))
            .When(bytes > LambdaEnvironment.MaxBytes, nameof(ApiPollerProps.Sources),
                $"take {catalogue} bytes of the {function}'s environment, which would then measure {bytes} bytes once deployed, more than Lambda's {LambdaEnvironment.MaxBytes} " +
                $"(secret ARNs and other deploy-time values counted at {LambdaEnvironment.TokenBytes} bytes)",
                $"{sources.Count} source{(sources.Count == 1 ? "" : "s")}",
                "shorten base URLs, names and parameter patterns, leave settings at their defaults (defaults take no space), or split the sources over several ApiPoller constructs")
            .ThrowIfAny();
    }

    /// <summary>The environment variable that carries the source catalogue.</summary>
    public const string SourcesVariable = "API_POLLER_SOURCES";

    private static void ValidateSchedule(PropsValidator v, string at, JobSchedule schedule, IReadOnlyList<PartnerSource> sources)
    {
        var source = sources.FirstOrDefault(s => s.Name == schedule.Source);
        var expressionProblem = ScheduleExpressions.Problem(schedule.Expression);
        var zoneProblem = schedule.TimeZone is null ? null : ScheduleExpressions.TimeZoneProblem(schedule.TimeZone);
        v.When(schedule.Name is null || !NamePattern().IsMatch(schedule.Name), $"{at}.Name",
                "must match ^[a-z0-9][a-z0-9-]{0,62}$", schedule.Name, "use lower-case letters, digits and '-', e.g. \"nightly-orders\"")
            .When(source is null, $"{at}.Source", "names no source of this poller", schedule.Source,
                $"use one of: {string.Join(", ", sources.Select(s => s.Name))}")
            .When(expressionProblem is not null, $"{at}.Expression", $"is not an EventBridge Scheduler expression: {expressionProblem}", schedule.Expression,
                "use e.g. \"cron(0 2 * * ? *)\" (02:00 every day), \"rate(6 hours)\" or \"at(2030-01-31T02:00:00)\"")
            .When(zoneProblem is not null, $"{at}.TimeZone", $"is not an IANA time zone: {zoneProblem}", schedule.TimeZone,
                "use e.g. \"UTC\", \"Europe/Paris\" or \"America/Argentina/Buenos_Aires\"");
        if (source is null)
        {
            return;
        }

        var declared = (source.Parameters ?? []).Where(d => d.Name is not null).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var given = schedule.Parameters ?? new Dictionary<string, string>();
        foreach (var (name, value) in given)
        {
            if (!declared.TryGetValue(name, out var declaration))
            {
                v.When(true, $"{at}.Parameters", $"has \"{name}\", which source \"{source.Name}\" does not declare", name,
                    "declare it in the source's Parameters or remove it");
                continue;
            }

            v.When(value.Length > (declaration.MaxLength ?? 256), $"{at}.Parameters", $"has \"{name}\" longer than its MaxLength", value, "shorten the value")
                .When(declaration.Pattern is { } rx && Compiles(rx) && !Regex.IsMatch(value, rx, RegexOptions.None, TimeSpan.FromSeconds(1)),
                    $"{at}.Parameters", $"has \"{name}\" not matching {declaration.Pattern}", value, "fix the value");
        }

        foreach (var missing in declared.Values.Where(d => d.Required == true && !given.ContainsKey(d.Name)))
        {
            v.When(true, $"{at}.Parameters", $"lacks \"{missing.Name}\", which source \"{source.Name}\" requires", "nothing", "add the parameter");
        }
    }

    private static HashSet<string> ReservedParameters(SourceSettings s) => s.Pagination switch
    {
        Pagination.PageNumber => [s.Source.PageParameter ?? "page", s.Source.PageSizeParameter ?? "pageSize"],
        Pagination.OffsetLimit => [s.Source.OffsetParameter ?? "offset", s.Source.LimitParameter ?? "limit"],
        _ => [s.Source.CursorParameter ?? "cursor"],
    };

    private static bool Compiles(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static readonly TimeConversionOptions Fractional = new() { Integral = false };

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex ParameterNamePattern();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")]
    private static partial Regex HeaderPattern();

}
