using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Amazon.DynamoDBv2;
using Patterns.Cdk.Functions.EventDrivenSettlement.Api;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>
/// The settlement REST API behind API Gateway (REST API, Lambda proxy integration, payload format 1.0; IAM auth on every
/// method). It runs the same logic as <see cref="SettlementConsumer"/> through the same conditional put, so a claim
/// settled over REST gets exactly one row and, through the table's Pipe, exactly one <c>Settlement.Finalized</c>.
/// <list type="bullet">
/// <item><c>POST /settlements</c>, body = the <c>Fraud.Not.Detected</c> detail: 201 + the settlement the first time;
/// 200 + the stored settlement on an identical retry; 409 <c>{"message","claimId","settlementId"}</c> when the claim is
/// settled from different content; 400 <c>{"message","errors":[...]}</c> listing every contract violation; 422 when no
/// deductible rule applies. The correlation id is the <c>X-Correlation-Id</c> header (see <see cref="CorrelationIds"/>), else API
/// Gateway's request id.</item>
/// <item><c>GET /settlements/{claimId}</c>: 200 + the settlement, or 404.</item>
/// <item>Another method on these resources: 405 with <c>Allow</c>; any other path: 404.</item>
/// </list>
/// Handler string: <c>SettlementApi</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class SettlementApi
{
    /// <summary>The largest body accepted: EventBridge's event size limit, so a claim is a claim whichever way it comes.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The header a caller may set to correlate its request with the settlement and its event.</summary>
    public const string CorrelationHeader = "X-Correlation-Id";

    private const string Collection = "/settlements";
    private const string ItemTemplate = "/settlements/{claimId}";

    private readonly ContractSchema _contract;
    private readonly SettlementCalculator _calculator;
    private readonly SettlementStore _store;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS client once.</summary>
    public SettlementApi()
        : this(SettlementSettings.FromEnvironment(Environment.GetEnvironmentVariable, nameof(SettlementApi)))
    {
    }

    public SettlementApi(IAmazonDynamoDB dynamoDb, SettlementSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(settings);
        _contract = SettlementContracts.FraudNotDetected;
        _calculator = new SettlementCalculator(settings.Rules);
        _store = new SettlementStore(dynamoDb, settings.TableName);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    private SettlementApi(SettlementSettings settings)
        : this(AwsClients.CreateDynamoDb(), settings)
    {
    }

    /// <summary>Lambda entry point: a REST API proxy event in, a proxy response out.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        RestApiProxyRequest request = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.RestApiProxyRequest);
        RestApiProxyResponse response = await HandleAsync(request);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.RestApiProxyResponse);
    });

    internal async Task<RestApiProxyResponse> HandleAsync(RestApiProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long started = Stopwatch.GetTimestamp();
        var outcome = new RequestOutcome();
        RestApiProxyResponse response;
        try
        {
            response = await RouteAsync(request, outcome);
        }
        catch (Exception e)
        {
            outcome.Message = ErrorClassifier.Classify(e) == ErrorKind.Transient ? "request failed (transient error)" : "request failed";
            outcome.Error = e;
            response = ApiResponses.Error(500, "the request could not be handled; retry it (a retry of POST /settlements is safe)");
        }

        LogField[] fields =
        [
            ("requestId", request.RequestContext?.RequestId), ("method", request.HttpMethod), ("resource", request.Resource ?? request.Path),
            ("status", response.StatusCode), ("claimId", outcome.ClaimId), ("settlementId", outcome.SettlementId),
            ("correlationId", outcome.CorrelationId), ("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds),
        ];
        LogLevel level = response.StatusCode >= 500 ? LogLevel.Error : response.StatusCode == 409 ? LogLevel.Warn : LogLevel.Info;
        _log.Write(level, outcome.Message ?? "request handled", outcome.Error, fields);
        return response;
    }

    private Task<RestApiProxyResponse> RouteAsync(RestApiProxyRequest request, RequestOutcome outcome)
    {
        (string? route, string? claimId) = Match(request);
        if (route is null)
        {
            outcome.Message = "no such resource";
            return Task.FromResult(ApiResponses.Error(404, "no such resource: the API serves POST /settlements and GET /settlements/{claimId}"));
        }

        string allowed = route == Collection ? "POST" : "GET";
        if (!string.Equals(request.HttpMethod, allowed, StringComparison.OrdinalIgnoreCase))
        {
            outcome.Message = "method not allowed";
            return Task.FromResult(ApiResponses.Error(405, $"{route} supports {allowed} only", null, ("Allow", allowed)));
        }

        return route == Collection ? SettleAsync(request, outcome) : GetAsync(claimId ?? string.Empty, outcome);
    }

    /// <summary>The route template and, for one settlement, its claim id (from the path parameters, else the path).</summary>
    private static (string? Route, string? ClaimId) Match(RestApiProxyRequest request)
    {
        string? resource = request.Resource;
        if (resource == Collection)
        {
            return (Collection, null);
        }

        if (resource == ItemTemplate)
        {
            return (ItemTemplate, request.PathParameters is { } parameters && parameters.TryGetValue("claimId", out string? id) ? id : LastSegment(request.Path));
        }

        if (resource is not null && resource.Contains('{', StringComparison.Ordinal) && !resource.Contains('+', StringComparison.Ordinal))
        {
            return (null, null);
        }

        // No resource template, or a greedy proxy: route on the path.
        string path = request.Path.TrimEnd('/');
        if (path == Collection)
        {
            return (Collection, null);
        }

        if (path.StartsWith(Collection + "/", StringComparison.Ordinal) && path.IndexOf('/', Collection.Length + 1) < 0)
        {
            return (ItemTemplate, Uri.UnescapeDataString(path[(Collection.Length + 1)..]));
        }

        return (null, null);
    }

    private static string LastSegment(string path) => Uri.UnescapeDataString(path.TrimEnd('/')[(path.TrimEnd('/').LastIndexOf('/') + 1)..]);

    private async Task<RestApiProxyResponse> SettleAsync(RestApiProxyRequest request, RequestOutcome outcome)
    {
        var problems = new List<string>(2);
        if (request.Header("Content-Type") is { } contentType && !IsJson(contentType))
        {
            problems.Add("Content-Type: must be application/json");
        }

        string? correlationHeader = request.Header(CorrelationHeader);
        if (correlationHeader is not null && !CorrelationIds.IsValid(correlationHeader.Trim()))
        {
            problems.Add($"{CorrelationHeader}: must be {CorrelationIds.Rule}");
        }

        byte[]? body = ReadBody(request, problems);
        if (problems.Count > 0 || body is null)
        {
            outcome.Message = "settlement request rejected";
            return ApiResponses.Error(400, "the request is invalid", problems);
        }

        string correlationId = correlationHeader?.Trim() ?? request.RequestContext?.RequestId ?? Guid.NewGuid().ToString("D");
        outcome.CorrelationId = correlationId;
        SettlementDecision decision = SettlementDecision.Decide(body, correlationId, _clock.GetUtcNow(), _contract, _calculator);
        outcome.ClaimId = decision.Claim?.ClaimId;
        if (decision.Kind == DecisionKind.ContractViolated)
        {
            outcome.Message = "settlement request breaks the contract";
            return ApiResponses.Error(400, "the request body breaks the Fraud.Not.Detected contract", decision.Violations.Select(v => v.ToString()).ToArray());
        }

        if (decision.Kind == DecisionKind.NoRule)
        {
            Claim claim = decision.Claim!;
            outcome.Message = "claim cannot be settled: no deductible rule";
            return ApiResponses.Json(422, new UnsettleableBody(decision.Reason, claim.ClaimId, claim.DocumentType, claim.DamageLevel), ApiJsonContext.Default.UnsettleableBody);
        }

        SettlementRecord settlement = decision.Settlement!;
        outcome.SettlementId = settlement.SettlementId;
        StoreOutcome stored = await _store.PutAsync(settlement);
        string location = Collection + "/" + Uri.EscapeDataString(settlement.ClaimId);
        switch (stored.Kind)
        {
            case StoreOutcomeKind.Created:
                outcome.Message = "settlement finalized";
                return ApiResponses.Json(201, SettlementBody.Of(stored.Stored), ApiJsonContext.Default.SettlementBody, ("Location", location));
            case StoreOutcomeKind.Duplicate:
                outcome.Message = "claim already settled with the same content; the stored settlement is returned";
                return ApiResponses.Json(200, SettlementBody.Of(stored.Stored), ApiJsonContext.Default.SettlementBody, ("Location", location));
            default:
                outcome.Message = "claim already settled with different content (conflict)";
                var conflict = new ConflictBody(
                    $"claim {settlement.ClaimId} is already settled from different content; the stored settlement is not overwritten",
                    settlement.ClaimId,
                    stored.Stored.SettlementId);
                return ApiResponses.Json(409, conflict, ApiJsonContext.Default.ConflictBody, ("Location", location));
        }
    }

    private async Task<RestApiProxyResponse> GetAsync(string claimId, RequestOutcome outcome)
    {
        // An id the contract does not allow can have no settlement: answered without a read.
        if (_contract.ValidateString("/claimId", claimId).Count > 0 || await _store.GetAsync(claimId) is not { } settlement)
        {
            outcome.Message = "no settlement for this claim";
            return ApiResponses.Error(404, "no settlement for this claim id");
        }

        outcome.ClaimId = claimId;
        outcome.SettlementId = settlement.SettlementId;
        outcome.CorrelationId = settlement.CorrelationId;
        outcome.Message = "settlement read";
        return ApiResponses.Json(200, SettlementBody.Of(settlement), ApiJsonContext.Default.SettlementBody);
    }

    private static byte[]? ReadBody(RestApiProxyRequest request, List<string> problems)
    {
        if (string.IsNullOrEmpty(request.Body))
        {
            problems.Add("(document): a JSON body is required (the Fraud.Not.Detected claim)");
            return null;
        }

        byte[] body;
        if (request.IsBase64Encoded)
        {
            try
            {
                body = Convert.FromBase64String(request.Body);
            }
            catch (FormatException)
            {
                problems.Add("(document): the body is marked base64 but is not valid base64");
                return null;
            }
        }
        else
        {
            body = Encoding.UTF8.GetBytes(request.Body);
        }

        if (body.Length > MaxBodyBytes)
        {
            problems.Add($"(document): the body is larger than {MaxBodyBytes / 1024} KiB");
            return null;
        }

        return body;
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? media)
        && string.Equals(media.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>What the request log line reports.</summary>
    private sealed class RequestOutcome
    {
        public string? ClaimId { get; set; }

        public string? SettlementId { get; set; }

        public string? CorrelationId { get; set; }

        public string? Message { get; set; }

        public Exception? Error { get; set; }
    }
}
