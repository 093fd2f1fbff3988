using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// Starts the local emulators once for the whole test collection (<c>node tools/emulators/start.mjs</c>: fauxqs for
/// S3 and SQS, dynalite for DynamoDB, both on 127.0.0.1) and creates AWS SDK clients bound to them.
/// The launcher runs until its stdin closes, so it never outlives the test process.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    /// <summary>Region every client and every simulated resource uses.</summary>
    public const string Region = "us-east-1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly BasicAWSCredentials Credentials = new("test", "test");

    private readonly StringBuilder _stderr = new();
    private Process? _process;

    public Uri S3Endpoint { get; private set; } = null!;

    public Uri SqsEndpoint { get; private set; } = null!;

    public Uri DynamoDbEndpoint { get; private set; } = null!;

    /// <summary>Plain clients (no counting, no notifications) for provisioning, the simulated AWS services and assertions.</summary>
    public IAmazonS3 S3 { get; private set; } = null!;

    public IAmazonSQS Sqs { get; private set; } = null!;

    public IAmazonDynamoDB DynamoDb { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(RepoPaths.EmulatorLauncher))
        {
            throw new InvalidOperationException($"The emulator launcher {RepoPaths.EmulatorLauncher} does not exist.");
        }

        if (!Directory.Exists(Path.Combine(RepoPaths.Root, "node_modules", "fauxqs")) || !Directory.Exists(Path.Combine(RepoPaths.Root, "node_modules", "dynalite")))
        {
            throw new InvalidOperationException($"The emulators are not installed: run `npm ci` in {RepoPaths.Root} first.");
        }

        var start = new ProcessStartInfo("node", [RepoPaths.EmulatorLauncher])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start `node tools/emulators/start.mjs`.");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        string? line;
        using (var timeout = new CancellationTokenSource(StartTimeout))
        {
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The emulators did not report their endpoints within {StartTimeout.TotalSeconds:0} s. stderr:\n{Stderr()}");
            }
        }

        if (string.IsNullOrWhiteSpace(line))
        {
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"The emulators exited (code {_process.ExitCode}) without reporting their endpoints. stderr:\n{Stderr()}");
        }

        using JsonDocument endpoints = JsonDocument.Parse(line);
        S3Endpoint = new Uri(endpoints.RootElement.GetProperty("s3").GetString()!);
        SqsEndpoint = new Uri(endpoints.RootElement.GetProperty("sqs").GetString()!);
        DynamoDbEndpoint = new Uri(endpoints.RootElement.GetProperty("dynamodb").GetString()!);
        S3 = CreateS3();
        Sqs = CreateSqs();
        DynamoDb = CreateDynamoDb();
    }

    public async Task DisposeAsync()
    {
        S3?.Dispose();
        Sqs?.Dispose();
        DynamoDb?.Dispose();
        if (_process is null)
        {
            return;
        }

        // The launcher stops when its stdin reaches end-of-file.
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>
    /// An S3 client (path style) whose HTTP requests go through <paramref name="http"/> when given. Every client keeps the
    /// SDK's retry mode and count, with its back-off capped (<see cref="SdkRetryTuning"/>).
    /// </summary>
    public IAmazonS3 CreateS3(HttpClientFactory? http = null, int? maxErrorRetry = null) =>
        SdkRetryTuning.CapBackoff<IAmazonS3>(new AmazonS3Client(Credentials, new AmazonS3Config
        {
            ServiceURL = S3Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
            HttpClientFactory = http,
        }.WithMaxErrorRetry(maxErrorRetry)));

    public IAmazonSQS CreateSqs(HttpClientFactory? http = null, int? maxErrorRetry = null) =>
        SdkRetryTuning.CapBackoff<IAmazonSQS>(new AmazonSQSClient(Credentials, new AmazonSQSConfig
        {
            ServiceURL = SqsEndpoint.ToString(),
            AuthenticationRegion = Region,
            HttpClientFactory = http,
        }.WithMaxErrorRetry(maxErrorRetry)));

    public IAmazonDynamoDB CreateDynamoDb(HttpClientFactory? http = null, int? maxErrorRetry = null) =>
        SdkRetryTuning.CapBackoff<IAmazonDynamoDB>(new AmazonDynamoDBClient(Credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = DynamoDbEndpoint.ToString(),
            AuthenticationRegion = Region,
            HttpClientFactory = http,
        }.WithMaxErrorRetry(maxErrorRetry)));

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    /// <summary>Receives (and removes) every message of a queue, with its message attributes.</summary>
    public async Task<List<Message>> DrainAsync(string queueUrl)
    {
        var all = new List<Message>();
        while (true)
        {
            ReceiveMessageResponse response = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 0,
                MessageAttributeNames = ["All"],
            });
            if (response.Messages is not { Count: > 0 } messages)
            {
                return all;
            }

            all.AddRange(messages);
            foreach (Message message in messages)
            {
                await Sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }
    }
}

internal static class ClientConfigExtensions
{
    /// <summary>Sets MaxErrorRetry when given (null keeps the SDK's default for the service).</summary>
    public static T WithMaxErrorRetry<T>(this T config, int? maxErrorRetry)
        where T : ClientConfig
    {
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        return config;
    }
}

/// <summary>Every integration test shares one pair of emulators.</summary>
[CollectionDefinition(Name)]
public sealed class UsesEmulators : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulators";
}
