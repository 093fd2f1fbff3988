using System.Globalization;
using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.MwaaScheduler.DagRuns;

/// <summary>
/// Maps a failed InvokeRestApi call to the error names the workflows Catch and Retry on:
/// <list type="bullet">
/// <item>Airflow 404 → <see cref="DagNotFound"/> (a DAG file not parsed yet; the workflow retries it).</item>
/// <item>Airflow 401/403, MWAA AccessDeniedException → <see cref="AirflowAccessDenied"/>.</item>
/// <item>Airflow 5xx or 429 (RestApiServerException), MWAA 5xx, throttling, network errors, timeouts, and MWAA's
/// ResourceNotFoundException (the environment is being replaced) → <see cref="AirflowUnavailable"/> (retried).</item>
/// <item>MWAA saying the environment must be updated to use InvokeRestApi → <see cref="RestApiNotSupported"/>.</item>
/// <item>Any other Airflow 4xx and any other permanent MWAA error (validation) → <see cref="BadInput"/>.</item>
/// </list>
/// Messages name the call (method and path) and the status, never the request or response bodies.
/// </summary>
internal static class DagRunErrors
{
    public static Exception Map(Exception error, string method, string path, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(error);
        string call = $"{method} {path} on environment {environmentName}";
        switch (error)
        {
            case MwaaRestApiException rest:
                string answered = string.Create(CultureInfo.InvariantCulture, $"Airflow answered {(rest.RestApiStatusCode is { } s ? s.ToString(CultureInfo.InvariantCulture) : "an error")}{(rest.Title is null ? "" : $" ({rest.Title})")}");
                return rest.RestApiStatusCode switch
                {
                    404 => new DagNotFound($"{call}: {answered}: the DAG or its run is not known to Airflow (yet); a new DAG file takes a scheduler parse cycle to appear"),
                    401 or 403 => new AirflowAccessDenied($"{call}: {answered}: the function's Airflow role may not do this (it needs the User role)", rest),
                    429 => new AirflowUnavailable($"{call}: {answered}", rest),
                    >= 500 => new AirflowUnavailable($"{call}: {answered}", rest),
                    _ when rest.ErrorCode == MwaaRestApiException.ServerErrorCode => new AirflowUnavailable($"{call}: {answered}", rest),
                    _ => new BadInput($"{call}: {answered}", rest),
                };
            case AwsStandInException aws:
                if (aws.ErrorCode == "AccessDeniedException" || aws.StatusCode == 403)
                {
                    return new AirflowAccessDenied($"{call}: MWAA denied InvokeRestApi ({aws.Detail ?? "no message"}): the function needs airflow:InvokeRestApi on the environment's Airflow role", aws);
                }

                if (NeedsUpdate(aws.Detail))
                {
                    return new RestApiNotSupported($"{call}: {aws.Detail}: update the environment (Airflow 2.4.3 or later) so that it serves InvokeRestApi", aws);
                }

                if (aws.IsTransient)
                {
                    return new AirflowUnavailable($"{call}: {aws.Message}", aws);
                }

                if (aws.ErrorCode == "ResourceNotFoundException")
                {
                    return new AirflowUnavailable($"{call}: MWAA does not know the environment right now ({aws.Detail ?? "no message"})", aws);
                }

                return new BadInput($"{call}: {aws.Message}", aws);
            default:
                return error;
        }
    }

    // MWAA's message for an environment that predates InvokeRestApi: "Update your environment to use InvokeRestApi"
    // (the MWAA user guide's wording; the exact error code is unverified, so the message decides).
    private static bool NeedsUpdate(string? detail) =>
        detail is not null
        && (detail.Contains("update your environment", StringComparison.OrdinalIgnoreCase)
            || (detail.Contains("InvokeRestApi", StringComparison.OrdinalIgnoreCase) && detail.Contains("not supported", StringComparison.OrdinalIgnoreCase)));
}
