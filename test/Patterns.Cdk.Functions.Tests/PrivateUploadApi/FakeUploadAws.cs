using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using NSubstitute;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

/// <summary>
/// The AWS boundaries of the upload handlers, in memory: an S3 substitute holding multipart uploads and objects (ListParts
/// paged by <see cref="ListPageSize"/> and answered in <see cref="ListOrder"/>; presigning by a real AmazonS3Client, which
/// never calls AWS), a DynamoDB substitute holding session items and evaluating the handlers' conditions, and an
/// EventBridge stand-in on a recording HTTP handler.
/// </summary>
internal sealed class FakeUploadAws : IDisposable
{
    public const string Bucket = "upload-bucket";
    public const string Table = "upload-sessions";

    private readonly AmazonS3Client _presigner = UploadStorageTests.RealS3();
    private int _uploadCounter;

    public FakeUploadAws()
    {
        S3 = Substitute.For<IAmazonS3>();
        S3.CreatePresignedPostAsync(Arg.Any<CreatePresignedPostRequest>()).Returns(call => _presigner.CreatePresignedPostAsync(call.Arg<CreatePresignedPostRequest>()));
        S3.GetPreSignedURLAsync(Arg.Any<GetPreSignedUrlRequest>()).Returns(call => { PresignCalls++; return _presigner.GetPreSignedURLAsync(call.Arg<GetPreSignedUrlRequest>()); });
        S3.InitiateMultipartUploadAsync(Arg.Any<InitiateMultipartUploadRequest>(), Arg.Any<CancellationToken>()).Returns(call => Initiate(call.Arg<InitiateMultipartUploadRequest>()));
        S3.ListPartsAsync(Arg.Any<ListPartsRequest>(), Arg.Any<CancellationToken>()).Returns(call => ListParts(call.Arg<ListPartsRequest>()));
        S3.CompleteMultipartUploadAsync(Arg.Any<CompleteMultipartUploadRequest>(), Arg.Any<CancellationToken>()).Returns(call => Complete(call.Arg<CompleteMultipartUploadRequest>()));
        S3.AbortMultipartUploadAsync(Arg.Any<AbortMultipartUploadRequest>(), Arg.Any<CancellationToken>()).Returns(call => Abort(call.Arg<AbortMultipartUploadRequest>()));
        S3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(call => Head(call.Arg<GetObjectMetadataRequest>()));
        S3.PutObjectAsync(Arg.Any<PutObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call => Put(call.Arg<PutObjectRequest>()));

        DynamoDb = Substitute.For<IAmazonDynamoDB>();
        DynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => PutItem(call.Arg<PutItemRequest>()));
        DynamoDb.GetItemAsync(Arg.Any<GetItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => GetItem(call.Arg<GetItemRequest>()));
        DynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>()).Returns(call => UpdateItem(call.Arg<UpdateItemRequest>()));

        Events = new RecordingHandler { Fallback = () => RecordingHandler.Response(HttpStatusCode.OK, """{"FailedEntryCount":0,"Entries":[{"EventId":"e-1"}]}""") };
        EventBridge = AmazonEventBridgeClientStandInTests.Client(Events);
    }

    public IAmazonS3 S3 { get; }

    public IAmazonDynamoDB DynamoDb { get; }

    public RecordingHandler Events { get; }

    public AmazonEventBridgeClientStandIn EventBridge { get; }

    public Dictionary<string, MultipartUpload> Uploads { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, StoredObjectFake> Objects { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Dictionary<string, AttributeValue>> Items { get; } = new(StringComparer.Ordinal);

    public int ListPageSize { get; set; } = 1000;

    /// <summary>The order ListParts answers in (S3's is ascending; the handler must not rely on it).</summary>
    public Func<IEnumerable<int>, IEnumerable<int>> ListOrder { get; set; } = numbers => numbers.OrderBy(n => n);

    public int PresignCalls { get; private set; }

    public int ListPartsCalls { get; private set; }

    public List<CompleteMultipartUploadRequest> Completions { get; } = [];

    public List<AbortMultipartUploadRequest> Aborts { get; } = [];

    public List<UpdateItemRequest> UpdateItems { get; } = [];

    public List<PutObjectRequest> Puts { get; } = [];

    /// <summary>Failures thrown by the next call of an operation (by name: "PutItem", "ListParts", "PutObject", ...).</summary>
    public Dictionary<string, Queue<Exception>> Failures { get; } = new(StringComparer.Ordinal);

    public static UploadSettings Settings(long maxUploadBytes = 5L * 1024 * 1024 * 1024, int directMaxBytes = 4 * 1024 * 1024) => new()
    {
        Bucket = Bucket,
        Table = Table,
        KeyPrefix = "uploads",
        AllowedContentTypes = ["image/png", "image/jpeg", "text/plain", "application/pdf", "application/json"],
        MaxUploadBytes = maxUploadBytes,
        DirectMaxBytes = directMaxBytes,
        UrlExpiry = TimeSpan.FromMinutes(15),
        SessionTtl = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(15),
        EventBusName = "uploads-bus",
    };

    public void Fail(string operation, Exception error)
    {
        if (!Failures.TryGetValue(operation, out Queue<Exception>? queue))
        {
            Failures[operation] = queue = new Queue<Exception>();
        }

        queue.Enqueue(error);
    }

    public static AmazonS3Exception S3Error(string code, HttpStatusCode status) => new($"{code} (fake)", ErrorType.Sender, code, "req", status);

    public static AmazonDynamoDBException Throttled() =>
        new("Rate exceeded (fake)", ErrorType.Sender, "ProvisionedThroughputExceededException", "req", HttpStatusCode.BadRequest);

    /// <summary>A part as a client's presigned PUT would leave it.</summary>
    public void AddPart(string s3UploadId, int partNumber, long size) =>
        Uploads[s3UploadId].Parts[partNumber] = (size, $"\"etag-{partNumber}-{size}\"");

    /// <summary>An object as a client's presigned POST would leave it.</summary>
    public void AddObject(string key, long size, string contentType, string? sha256 = null) =>
        Objects[key] = new StoredObjectFake(size, contentType, $"\"obj-{size}\"", sha256);

    public void Dispose()
    {
        _presigner.Dispose();
        Events.Dispose();
    }

    private void MaybeFail(string operation)
    {
        if (Failures.TryGetValue(operation, out Queue<Exception>? queue) && queue.TryDequeue(out Exception? error))
        {
            throw error;
        }
    }

    private Task<InitiateMultipartUploadResponse> Initiate(InitiateMultipartUploadRequest request)
    {
        MaybeFail("CreateMultipartUpload");
        string id = $"s3-upload-{++_uploadCounter}";
        Uploads[id] = new MultipartUpload(request.Key, request.ContentType);
        return Task.FromResult(new InitiateMultipartUploadResponse { UploadId = id, Key = request.Key, BucketName = request.BucketName });
    }

    private Task<ListPartsResponse> ListParts(ListPartsRequest request)
    {
        ListPartsCalls++;
        MaybeFail("ListParts");
        if (!Uploads.TryGetValue(request.UploadId, out MultipartUpload? upload) || upload.Key != request.Key)
        {
            throw S3Error("NoSuchUpload", HttpStatusCode.NotFound);
        }

        int marker = string.IsNullOrEmpty(request.PartNumberMarker) ? 0 : int.Parse(request.PartNumberMarker, CultureInfo.InvariantCulture);
        int pageSize = Math.Min(request.MaxParts ?? 1000, ListPageSize);
        List<int> page = upload.Parts.Keys.Where(n => n > marker).OrderBy(n => n).Take(pageSize).ToList();
        bool truncated = upload.Parts.Keys.Any(n => n > (page.Count > 0 ? page[^1] : marker));
        return Task.FromResult(new ListPartsResponse
        {
            Parts = ListOrder(page).Select(n => new PartDetail { PartNumber = n, Size = upload.Parts[n].Size, ETag = upload.Parts[n].ETag }).ToList(),
            IsTruncated = truncated,
            NextPartNumberMarker = page.Count > 0 ? page[^1] : null,
        });
    }

    /// <summary>Runs when S3 is asked to complete, before it does (another caller acting meanwhile).</summary>
    public Func<Task>? BeforeComplete { get; set; }

    private async Task<CompleteMultipartUploadResponse> Complete(CompleteMultipartUploadRequest request)
    {
        MaybeFail("CompleteMultipartUpload");
        if (BeforeComplete is { } meanwhile)
        {
            await meanwhile();
        }

        Completions.Add(request);
        if (!Uploads.Remove(request.UploadId, out MultipartUpload? upload))
        {
            throw S3Error("NoSuchUpload", HttpStatusCode.NotFound);
        }

        var numbers = request.PartETags.Select(p => p.PartNumber ?? 0).ToList();
        if (!numbers.SequenceEqual(numbers.Order()))
        {
            throw S3Error("InvalidPartOrder", HttpStatusCode.BadRequest);
        }

        foreach (PartETag part in request.PartETags)
        {
            if (!upload.Parts.TryGetValue(part.PartNumber ?? 0, out var stored) || stored.ETag != part.ETag)
            {
                throw S3Error("InvalidPart", HttpStatusCode.BadRequest);
            }
        }

        string etag = $"\"complete-{request.PartETags.Count}\"";
        Objects[request.Key] = new StoredObjectFake(request.PartETags.Sum(p => upload.Parts[p.PartNumber ?? 0].Size), upload.ContentType, etag, null);
        return new CompleteMultipartUploadResponse { ETag = etag, Key = request.Key };
    }

    private Task<AbortMultipartUploadResponse> Abort(AbortMultipartUploadRequest request)
    {
        MaybeFail("AbortMultipartUpload");
        Aborts.Add(request);
        if (!Uploads.Remove(request.UploadId))
        {
            throw S3Error("NoSuchUpload", HttpStatusCode.NotFound);
        }

        return Task.FromResult(new AbortMultipartUploadResponse());
    }

    private Task<GetObjectMetadataResponse> Head(GetObjectMetadataRequest request)
    {
        MaybeFail("HeadObject");
        if (!Objects.TryGetValue(request.Key, out StoredObjectFake? stored))
        {
            throw S3Error("NotFound", HttpStatusCode.NotFound);
        }

        var response = new GetObjectMetadataResponse { ContentLength = stored.Size, ETag = stored.ETag, ChecksumSHA256 = stored.Sha256 };
        response.Headers.ContentType = stored.ContentType;
        return Task.FromResult(response);
    }

    private Task<PutObjectResponse> Put(PutObjectRequest request)
    {
        MaybeFail("PutObject");
        Puts.Add(request);
        using var copy = new MemoryStream();
        request.InputStream.CopyTo(copy);
        string etag = $"\"put-{copy.Length}\"";
        Objects[request.Key] = new StoredObjectFake(copy.Length, request.ContentType, etag, request.ChecksumSHA256) { Content = copy.ToArray() };
        return Task.FromResult(new PutObjectResponse { ETag = etag });
    }

    /// <summary>Runs before a PutItem is applied (a concurrent writer acting meanwhile).</summary>
    public Action<PutItemRequest>? BeforePutItem { get; set; }

    private Task<PutItemResponse> PutItem(PutItemRequest request)
    {
        MaybeFail("PutItem");
        BeforePutItem?.Invoke(request);
        string pk = request.Item["pk"].S;
        if (request.ConditionExpression is not null && Items.ContainsKey(pk))
        {
            throw new ConditionalCheckFailedException("The conditional request failed");
        }

        Items[pk] = new Dictionary<string, AttributeValue>(request.Item);
        return Task.FromResult(new PutItemResponse());
    }

    private Task<GetItemResponse> GetItem(GetItemRequest request)
    {
        MaybeFail("GetItem");
        request.ConsistentRead.Should().BeTrue("sessions are read strongly consistent");
        return Task.FromResult(new GetItemResponse
        {
            Item = Items.TryGetValue(request.Key["pk"].S, out Dictionary<string, AttributeValue>? item) ? new Dictionary<string, AttributeValue>(item) : null,
        });
    }

    // Evaluates the store's own expressions: "#state = :a" or "#state IN (:a, :b)", and "SET #a = :x, ... REMOVE #b".
    private Task<UpdateItemResponse> UpdateItem(UpdateItemRequest request)
    {
        MaybeFail("UpdateItem");
        UpdateItems.Add(request);
        string condition = request.ConditionExpression;
        string[] allowed = condition.StartsWith("#state = ", StringComparison.Ordinal) ? [condition["#state = ".Length..]]
            : condition.StartsWith("#state IN (", StringComparison.Ordinal) && condition.EndsWith(')') ? condition["#state IN (".Length..^1].Split(", ")
            : throw new InvalidOperationException($"unexpected condition {condition}");
        request.ExpressionAttributeNames["#state"].Should().Be("state");
        string pk = request.Key["pk"].S;
        if (!Items.TryGetValue(pk, out Dictionary<string, AttributeValue>? item) || !allowed.Any(a => item["state"].S == request.ExpressionAttributeValues[a].S))
        {
            throw new ConditionalCheckFailedException("The conditional request failed");
        }

        string[] halves = request.UpdateExpression.Split(" REMOVE ");
        foreach (string assignment in halves[0]["SET ".Length..].Split(", "))
        {
            string[] sides = assignment.Split(" = ");
            item[request.ExpressionAttributeNames[sides[0]]] = request.ExpressionAttributeValues[sides[1]];
        }

        if (halves.Length > 1)
        {
            foreach (string name in halves[1].Split(", "))
            {
                item.Remove(request.ExpressionAttributeNames[name]);
            }
        }

        return Task.FromResult(new UpdateItemResponse());
    }
}

internal sealed class MultipartUpload(string key, string contentType)
{
    public string Key { get; } = key;

    public string ContentType { get; } = contentType;

    public Dictionary<int, (long Size, string ETag)> Parts { get; } = [];
}

internal sealed record StoredObjectFake(long Size, string? ContentType, string ETag, string? Sha256)
{
    public byte[]? Content { get; init; }
}
