using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>What one request's log line reports (never a URL, a signature, a file's bytes or its name).</summary>
internal sealed class RequestOutcome
{
    public string? UploadId { get; set; }

    public string? Owner { get; set; }

    public string? Mode { get; set; }

    public long? Size { get; set; }

    public int? PartCount { get; set; }

    public int? Parts { get; set; }

    public string? Message { get; set; }
}

/// <summary>
/// The request pipeline the three entry points share: match the route (404 for any other), scope the caller from the
/// IAM identity (403 without one), run the route, and turn every outcome into a proxy response with one log line:
/// <see cref="RequestRefusedException"/>s as their status and code, throttling and 5xx of S3, DynamoDB or EventBridge (and network
/// errors and timeouts) as 503 <c>TryAgain</c>, anything else as 500.
/// </summary>
internal static class UploadApiPipeline
{
    public delegate Task<RestApiProxyResponse> RouteHandler(UploadRoute route, string callerScope, RestApiProxyRequest request, RequestOutcome outcome);

    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TransactionConflictException",
        "LimitExceededException", "InternalError", "InternalFailure", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    };

    public static async Task<RestApiProxyResponse> RunAsync(
        RestApiProxyRequest request, IReadOnlySet<UploadRouteKind> served, RouteHandler handler, JsonLog log)
    {
        long started = Stopwatch.GetTimestamp();
        var outcome = new RequestOutcome();
        RestApiProxyResponse response;
        RequestRefusedException? error = null;
        Exception? failure = null;
        try
        {
            UploadRoute route = UploadRoute.Match(request);
            if (!served.Contains(route.Kind))
            {
                throw RequestRefusedException.NotFound("no such route: the API serves POST /uploads, POST /uploads/{id}/parts, GET and DELETE /uploads/{id}, POST /uploads/{id}/complete and PUT /files/{fileName}");
            }

            string callerScope = UploadRules.CallerScope(request.RequestContext?.Identity) ?? throw RequestRefusedException.NoIdentity();
            outcome.Owner = callerScope;
            response = await handler(route, callerScope, request, outcome);
        }
        catch (RequestRefusedException e)
        {
            error = e;
            response = ApiResponses.Error(e);
        }
        catch (Exception e) when (IsTransient(e))
        {
            error = RequestRefusedException.TryAgain();
            failure = e;
            response = ApiResponses.Error(error);
        }
        catch (Exception e)
        {
            error = RequestRefusedException.Internal();
            failure = e;
            response = ApiResponses.Error(error);
        }

        var fields = new List<LogField>(12)
        {
            ("requestId", request.RequestContext?.RequestId), ("method", request.HttpMethod), ("resource", request.Resource ?? request.Path),
            ("status", response.StatusCode), ("error", error?.Code), ("uploadId", outcome.UploadId), ("owner", outcome.Owner), ("mode", outcome.Mode),
        };
        AddNumber(fields, "size", outcome.Size);
        AddNumber(fields, "partCount", outcome.PartCount);
        AddNumber(fields, "parts", outcome.Parts);
        fields.Add(("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        LogLevel level = response.StatusCode >= 500 ? LogLevel.Error : response.StatusCode >= 400 ? LogLevel.Warn : LogLevel.Info;
        string message = failure is not null
            ? (error!.Status == 503 ? "request failed: transient AWS error, the caller may retry" : "request failed")
            : outcome.Message ?? (error is not null ? "request refused: " + error.Message : "request handled");
        log.Write(level, message, failure, fields.ToArray());
        return response;
    }

    private static void AddNumber(List<LogField> fields, string name, long? value)
    {
        if (value is { } number)
        {
            fields.Add((name, number));
        }
    }

    /// <summary>Throttling, 5xx, network errors and timeouts of the AWS calls: a retry of the same request may succeed.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests
            || (service.ErrorCode is { } code && ThrottlingCodes.Contains(code))
            || (service.StatusCode == 0 && service.InnerException is not null && IsTransient(service.InnerException)),
        AwsStandInException standIn => standIn.IsTransient,
        UploadEventRefusedException => true,
        HttpRequestException or TimeoutException or IOException => true,
        TaskCanceledException => true,
        AmazonClientException client when client.InnerException is { } inner => IsTransient(inner),
        _ => false,
    };
}
