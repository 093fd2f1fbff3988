using System.Text.Json;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// <b>A stand-in for the official <c>AmazonMWAAClient</c></b> (<c>AWSSDK.MWAA</c>), which this build cannot reference:
/// one operation, <c>InvokeRestApi</c> (restJson1, <c>POST /restapi/{Name}</c> on the host prefix <c>env.</c>, signing
/// name <c>airflow</c>). To swap: call <c>AmazonMWAAClient.InvokeRestApiAsync(new() { Name, Method, Path, Body })</c> and
/// catch <c>RestApiClientException</c>/<c>RestApiServerException</c> (their <c>RestApiStatusCode</c>) and
/// <c>AmazonServiceException</c> where this client throws <see cref="MwaaRestApiException"/> and
/// <see cref="AwsStandInException"/> (README.md in this folder).
/// </summary>
public sealed class AmazonMWAAClientStandIn
{
    /// <summary>The URL path of InvokeRestApi.</summary>
    public const string ResourcePath = "/restapi/{Name}";

    /// <summary>The SigV4 signing name of MWAA.</summary>
    public const string SigningName = "airflow";

    /// <summary>The host of InvokeRestApi: the model's host prefix <c>env.</c> before the endpoint prefix <c>airflow</c>.</summary>
    public const string EndpointPrefix = "env.airflow";

    /// <summary>The longest Airflow path InvokeRestApi accepts (the model's <c>RestApiPath</c>: 1 to 64 characters).</summary>
    public const int MaxPathLength = 64;

    private const string Operation = "InvokeRestApi";

    private static readonly KeyValuePair<string, string>[] Headers = [new("Content-Type", "application/json")];

    private readonly AwsStandInTransport _transport;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>airflow</c>.</param>
    /// <param name="timeout">How long one call may take (MWAA's own limit on the Airflow call is documented as 10 s).</param>
    public AmazonMWAAClientStandIn(AwsStandInTransport transport, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timeout = timeout;
    }

    /// <summary>The client of a Lambda function in <paramref name="region"/> (<c>https://env.airflow.{region}.amazonaws.com/</c> unless <paramref name="endpointOverride"/>).</summary>
    public static AmazonMWAAClientStandIn CreateDefault(string region, TimeSpan timeout, Uri? endpointOverride = null) =>
        new(AwsStandInTransport.CreateDefault(SigningName, EndpointPrefix, region, endpointOverride), timeout);

    /// <summary>Calls the environment's Airflow REST API. Any Airflow 2xx is an answer; an Airflow 4xx/5xx is a <see cref="MwaaRestApiException"/>.</summary>
    /// <exception cref="MwaaRestApiException">Airflow answered 4xx (<c>RestApiClientException</c>) or 5xx (<c>RestApiServerException</c>).</exception>
    /// <exception cref="AwsStandInException">MWAA itself failed the call (access denied, no such environment, validation, throttling, 5xx, timeout).</exception>
    public async Task<InvokeRestApiResponse> InvokeRestApiAsync(InvokeRestApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Name);
        ArgumentException.ThrowIfNullOrEmpty(request.Method);
        ArgumentException.ThrowIfNullOrEmpty(request.Path);
        if (request.Path.Length > MaxPathLength)
        {
            throw new ArgumentException($"InvokeRestApi accepts paths of at most {MaxPathLength} characters (got {request.Path.Length}).", nameof(request));
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new InvokeRestApiBody { Method = request.Method, Path = request.Path, QueryParameters = request.QueryParameters, Body = request.Body },
            MwaaJsonContext.Default.InvokeRestApiBody);
        var pathResources = new Dictionary<string, string>(1) { ["{Name}"] = request.Name };
        AwsResponse response = await _transport.SendAsync(Operation, ResourcePath, pathResources, Headers, body, _timeout, cancellationToken);
        if (response.IsSuccess)
        {
            return AwsStandInTransport.ReadJson(Operation, response, MwaaJsonContext.Default.InvokeRestApiResponse);
        }

        (string? code, string? message) = AwsErrors.Read(response);
        if (code is MwaaRestApiException.ClientErrorCode or MwaaRestApiException.ServerErrorCode)
        {
            throw MwaaRestApiException.From(code, (int)response.Status, response.Body, message);
        }

        throw AwsErrors.FromResponse(Operation, response);
    }
}

/// <summary>An InvokeRestApi call (the SDK's <c>InvokeRestApiRequest</c>).</summary>
public sealed class InvokeRestApiRequest
{
    /// <summary>The environment's name (in the URL).</summary>
    public required string Name { get; init; }

    /// <summary><c>GET</c>, <c>PUT</c>, <c>POST</c>, <c>PATCH</c> or <c>DELETE</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The Airflow REST API path without <c>/api/v1</c> (<c>/dags/{id}/dagRuns</c>), 1 to 64 characters.</summary>
    public required string Path { get; init; }

    /// <summary>Query parameters as a JSON object, or null.</summary>
    public JsonElement? QueryParameters { get; init; }

    /// <summary>The request body as JSON, or null. Never logged: it can carry a DAG run's conf.</summary>
    public JsonElement? Body { get; init; }
}

/// <summary>The answer of InvokeRestApi (the SDK's <c>InvokeRestApiResponse</c>).</summary>
public sealed class InvokeRestApiResponse
{
    /// <summary>Airflow's HTTP status (2xx here).</summary>
    public int RestApiStatusCode { get; init; }

    /// <summary>Airflow's JSON answer, or null.</summary>
    public JsonElement? RestApiResponse { get; init; }
}

/// <summary>The JSON body of an InvokeRestApi request (the name travels in the URL).</summary>
public sealed class InvokeRestApiBody
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public JsonElement? QueryParameters { get; init; }

    public JsonElement? Body { get; init; }
}
