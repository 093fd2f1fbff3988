using System.Globalization;
using Patterns.Cdk.Functions.ApiPoller.Demo;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The sample app's fake partner API (HTTP API, payload format 2.0): <c>GET /items</c> by <c>page</c>/<c>pageSize</c>,
/// <c>offset</c>/<c>limit</c> or <c>cursor</c>, serving <c>DEMO_TOTAL_ITEMS</c> deterministic items (seeded by
/// <c>DEMO_SEED</c>) after a random delay of up to <c>DEMO_MAX_DELAY_MS</c>, and failing a share <c>DEMO_ERROR_RATE</c>
/// (0..1) of the requests with a 500 or a 429 with <c>Retry-After</c>, so a user can watch the poller's politeness and
/// retries. The paging itself is <see cref="DemoPartnerPages"/>. Not for production: it exists to be polled.
/// Handler string: <c>DemoPartner</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class DemoPartner
{
    private readonly DemoPartnerPages _pages;
    private readonly Func<double> _random;
    private readonly Func<TimeSpan, Task> _delay;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment.</summary>
    public DemoPartner()
        : this(ReadOptions(Environment.GetEnvironmentVariable), static () => Random.Shared.NextDouble(), static delay => Task.Delay(delay), JsonLog.CreateDefault())
    {
    }

    internal DemoPartner(DemoPartnerOptions options, Func<double> random, Func<TimeSpan, Task> delay, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(delay);
        ArgumentNullException.ThrowIfNull(log);
        _pages = new DemoPartnerPages(options);
        _random = random;
        _delay = delay;
        _log = log;
    }

    /// <summary>Handles one HTTP API request.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        HttpApiV2Request request = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.HttpApiV2Request);
        DemoAnswer answer = _pages.Answer(
            request.RequestContext.Http.Method,
            request.RawPath,
            request.QueryStringParameters ?? new Dictionary<string, string>(),
            _random);
        if (answer.Delay > TimeSpan.Zero)
        {
            await _delay(answer.Delay);
        }

        _log.Info("demo partner answered", ("status", answer.StatusCode), ("delayMs", (long)answer.Delay.TotalMilliseconds), ("query", request.RawQueryString));
        return LambdaJson.Write(
            new HttpApiV2Response { StatusCode = answer.StatusCode, Headers = answer.Headers.ToDictionary(), Body = answer.Body },
            LambdaEventsJsonContext.Default.HttpApiV2Response);
    });

    /// <exception cref="InvalidOperationException">A variable is invalid; the message lists every problem.</exception>
    internal static DemoPartnerOptions ReadOptions(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        var defaults = new DemoPartnerOptions();
        var options = new DemoPartnerOptions(
            Whole(reader, environment, "DEMO_TOTAL_ITEMS", defaults.TotalItems, 0, 100_000_000),
            Whole(reader, environment, "DEMO_SEED", defaults.Seed, int.MinValue, int.MaxValue),
            Whole(reader, environment, "DEMO_MAX_DELAY_MS", defaults.MaxDelayMs, 0, 60_000),
            Rate(reader, environment, "DEMO_ERROR_RATE", defaults.ErrorRate));
        reader.ThrowIfInvalid(nameof(DemoPartner));
        return options;
    }

    private static int Whole(SettingsReader reader, Func<string, string?> environment, string name, int defaultValue, int min, int max)
    {
        string? value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max)
        {
            return number;
        }

        reader.AddProblem($"{name} must be a whole number from {min} to {max} (got '{value}')");
        return defaultValue;
    }

    private static double Rate(SettingsReader reader, Func<string, string?> environment, string name, double defaultValue)
    {
        string? value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double rate) && rate is >= 0 and <= 1)
        {
            return rate;
        }

        reader.AddProblem($"{name} must be a number from 0 to 1 (got '{value}')");
        return defaultValue;
    }
}
