using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.MwaaScheduler.Lock;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>
/// A lock per environment in the lock table (<c>LOCK_TABLE</c>), so that a pause and a resume never overlap:
/// <list type="bullet">
/// <item><c>{"action":"acquire","lockName","owner","operation","ttlSeconds"}</c>: conditional PutItem
/// (<see cref="LockWrites.AcquireCondition"/>) → <c>{"acquired":true,"expiresAt"}</c>; held by another live owner →
/// <see cref="LockHeld"/> naming its operation, execution and expiry.</item>
/// <item><c>{"action":"release","lockName","owner"}</c>: DeleteItem only if <c>owner</c> holds it →
/// <c>{"released":true|false}</c> (never an error: a lock taken over after expiry is not ours to delete).</item>
/// </list>
/// Handler string: <c>MwaaLock</c>.
/// </summary>
public sealed partial class MwaaLock
{
    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly LockSettings _settings;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the DynamoDB client once.</summary>
    public MwaaLock()
        : this(AwsClients.CreateDynamoDb(), LockSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public MwaaLock(IAmazonDynamoDB dynamoDb, LockSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(settings);
        _dynamoDb = dynamoDb;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    [GeneratedRegex("^[A-Za-z0-9_.:/+=@-]{1,256}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex Operation();

    /// <summary>Handles one workflow task invocation.</summary>
    public Task<Stream> HandleAsync(Stream input) => MwaaInvocation.RunAsync(_log, async () =>
    {
        LockInput request = await LambdaJson.ReadAsync(input, MwaaJsonContext.Default.LockInput);

        var problems = new List<string>();
        Check(request.LockName, "lockName", Name(), problems);
        Check(request.Owner, "owner", Name(), problems);
        switch (request.Action)
        {
            case "acquire":
                Check(request.Operation, "operation", Operation(), problems);
                if (request.TtlSeconds is not (>= 1 and <= LockWrites.MaxTtlSeconds))
                {
                    problems.Add($"ttlSeconds must be a whole number from 1 to {LockWrites.MaxTtlSeconds}");
                }

                ThrowIf(problems);
                return LambdaJson.Write(await AcquireAsync(request.LockName!, request.Owner!, request.Operation!, request.TtlSeconds!.Value), MwaaJsonContext.Default.AcquireOutput);
            case "release":
                ThrowIf(problems);
                return LambdaJson.Write(await ReleaseAsync(request.LockName!, request.Owner!), MwaaJsonContext.Default.ReleaseOutput);
            default:
                problems.Insert(0, "action must be acquire or release");
                ThrowIf(problems);
                throw new InvalidOperationException("unreachable");
        }
    });

    private async Task<AcquireOutput> AcquireAsync(string lockName, string owner, string operation, long ttlSeconds)
    {
        PutItemRequest put = LockWrites.Acquire(_settings.TableName, lockName, owner, operation, ttlSeconds, _clock.GetUtcNow());
        JsonLog log = _log.With(("lockName", lockName), ("owner", owner), ("operation", operation));
        try
        {
            await _dynamoDb.PutItemAsync(put);
        }
        catch (ConditionalCheckFailedException e)
        {
            Dictionary<string, AttributeValue>? holder = e.Item is { Count: > 0 } old ? old : await ReadAsync(lockName);
            string message = LockWrites.HeldMessage(lockName, holder);
            log.Warn("lock held by another execution", ("holder", holder?.GetValueOrDefault(LockWrites.OwnerAttribute)?.S));
            throw new LockHeld(message);
        }

        long expiresAt = long.Parse(put.Item[LockWrites.ExpiresAtAttribute].N, System.Globalization.CultureInfo.InvariantCulture);
        log.Info("lock acquired", ("expiresAt", expiresAt));
        return new AcquireOutput(true, expiresAt);
    }

    private async Task<ReleaseOutput> ReleaseAsync(string lockName, string owner)
    {
        JsonLog log = _log.With(("lockName", lockName), ("owner", owner));
        try
        {
            await _dynamoDb.DeleteItemAsync(LockWrites.Release(_settings.TableName, lockName, owner));
        }
        catch (ConditionalCheckFailedException)
        {
            log.Info("lock not held by this owner; nothing released");
            return new ReleaseOutput(false);
        }

        log.Info("lock released");
        return new ReleaseOutput(true);
    }

    private async Task<Dictionary<string, AttributeValue>?> ReadAsync(string lockName)
    {
        GetItemResponse response = await _dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = _settings.TableName,
            Key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [LockWrites.PartitionKey] = new() { S = lockName } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private static void Check(string? value, string name, Regex rule, List<string> problems)
    {
        if (string.IsNullOrEmpty(value))
        {
            problems.Add($"{name} is required");
        }
        else if (!rule.IsMatch(value))
        {
            problems.Add($"{name} has characters or a length the lock does not accept");
        }
    }

    private static void ThrowIf(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new BadInput($"MwaaLock input is invalid: {string.Join("; ", problems)}");
        }
    }
}
