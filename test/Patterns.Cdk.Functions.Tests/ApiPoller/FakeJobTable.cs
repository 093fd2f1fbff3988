using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using NSubstitute;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>
/// An <see cref="IAmazonDynamoDB"/> that keeps job items in memory and answers the calls the job API makes:
/// conditional PutItem (failing like DynamoDB, with the old item, when the key exists), GetItem, and an empty Query
/// (no progress items). The store's transitions are proven against dynalite in the integration tests.
/// </summary>
internal sealed class FakeJobTable
{
    private readonly Dictionary<string, Dictionary<string, AttributeValue>> _items = new(StringComparer.Ordinal);

    public FakeJobTable()
    {
        Client = Substitute.For<IAmazonDynamoDB>();
        Client.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => Put(call.Arg<PutItemRequest>()));
        Client.GetItemAsync(Arg.Any<GetItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => Get(call.Arg<GetItemRequest>()));
        Client.QueryAsync(Arg.Any<QueryRequest>(), Arg.Any<CancellationToken>()).Returns(new QueryResponse { Items = [] });
    }

    public IAmazonDynamoDB Client { get; }

    public int Puts { get; private set; }

    public IReadOnlyCollection<Dictionary<string, AttributeValue>> Items => _items.Values;

    /// <summary>Replaces an attribute of a stored item, as the workflow would.</summary>
    public void Set(string pk, string name, AttributeValue value) => _items[pk][name] = value;

    private Task<PutItemResponse> Put(PutItemRequest request)
    {
        Puts++;
        string pk = request.Item["pk"].S;
        if (_items.TryGetValue(pk, out Dictionary<string, AttributeValue>? existing))
        {
            throw new ConditionalCheckFailedException("The conditional request failed") { Item = new Dictionary<string, AttributeValue>(existing) };
        }

        _items[pk] = new Dictionary<string, AttributeValue>(request.Item);
        return Task.FromResult(new PutItemResponse());
    }

    private Task<GetItemResponse> Get(GetItemRequest request) =>
        Task.FromResult(new GetItemResponse { Item = _items.TryGetValue(request.Key["pk"].S, out Dictionary<string, AttributeValue>? item) ? item : null });
}
