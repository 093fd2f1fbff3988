using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using NSubstitute;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>
/// An <see cref="IAmazonDynamoDB"/> keeping settlement items in memory and answering like DynamoDB: a PutItem whose
/// <c>attribute_not_exists(claimId)</c> condition fails throws <see cref="ConditionalCheckFailedException"/> with the old
/// item when ALL_OLD is asked for, or without it when <see cref="ReturnsOldItem"/> is false (as dynalite does);
/// consistent GetItem. Failures can be queued to simulate throttling.
/// </summary>
internal sealed class FakeSettlementTable
{
    private readonly Dictionary<string, Dictionary<string, AttributeValue>> _items = new(StringComparer.Ordinal);
    private readonly Queue<Exception> _putFailures = new();

    public FakeSettlementTable()
    {
        Client = Substitute.For<IAmazonDynamoDB>();
        Client.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => Put(call.Arg<PutItemRequest>()));
        Client.GetItemAsync(Arg.Any<GetItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => Get(call.Arg<GetItemRequest>()));
    }

    public IAmazonDynamoDB Client { get; }

    /// <summary>False: a failed condition carries no item (dynalite ignores ReturnValuesOnConditionCheckFailure).</summary>
    public bool ReturnsOldItem { get; set; } = true;

    public List<PutItemRequest> Puts { get; } = [];

    public List<GetItemRequest> Gets { get; } = [];

    public IReadOnlyDictionary<string, Dictionary<string, AttributeValue>> Items => _items;

    public static AmazonDynamoDBException Throttling =>
        new("Rate of requests exceeds the allowed throughput.", ErrorType.Sender, "ProvisionedThroughputExceededException", "req-1", HttpStatusCode.BadRequest);

    public static AmazonDynamoDBException ServiceUnavailable =>
        new("Service unavailable", ErrorType.Receiver, "ServiceUnavailable", "req-2", HttpStatusCode.ServiceUnavailable);

    /// <summary>The next PutItem fails with <paramref name="error"/> (before touching the table).</summary>
    public void FailNextPut(Exception error) => _putFailures.Enqueue(error);

    public void Store(Dictionary<string, AttributeValue> item) => _items[item["claimId"].S] = item;

    /// <summary>Deletes an item behind the store's back (after its put failed, before its read).</summary>
    public void Delete(string claimId) => _items.Remove(claimId);

    /// <summary>Called after a failed condition, before the exception is thrown (to simulate a concurrent delete).</summary>
    public Action<string>? OnConditionFailed { get; set; }

    private Task<PutItemResponse> Put(PutItemRequest request)
    {
        Puts.Add(request);
        if (_putFailures.TryDequeue(out Exception? failure))
        {
            throw failure;
        }

        string claimId = request.Item["claimId"].S;
        if (_items.TryGetValue(claimId, out Dictionary<string, AttributeValue>? existing))
        {
            var old = new Dictionary<string, AttributeValue>(existing);
            OnConditionFailed?.Invoke(claimId);
            bool allOld = ReturnsOldItem && request.ReturnValuesOnConditionCheckFailure == ReturnValuesOnConditionCheckFailure.ALL_OLD;
            throw new ConditionalCheckFailedException("The conditional request failed") { Item = allOld ? old : null };
        }

        _items[claimId] = new Dictionary<string, AttributeValue>(request.Item);
        return Task.FromResult(new PutItemResponse());
    }

    private Task<GetItemResponse> Get(GetItemRequest request)
    {
        Gets.Add(request);
        return Task.FromResult(new GetItemResponse
        {
            Item = _items.TryGetValue(request.Key["claimId"].S, out Dictionary<string, AttributeValue>? item) ? new Dictionary<string, AttributeValue>(item) : null,
        });
    }
}
