using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.PrivateUploadApi;
using Patterns.Cdk.RecursionSafeS3Processor;

namespace Patterns.Cdk.App;

/// <summary>
/// One upload bucket, fed from inside a VPC and processed by two patterns:
/// <list type="bullet">
/// <item>callers inside the VPC upload through two private, IAM-authorized upload APIs that share one VPC, one
/// execute-api endpoint and the bucket: photos (JPEG, PNG) land under <c>photos/</c>, documents (PDF, text, CSV) under
/// <c>documents/</c> (server-chosen keys <c>&lt;prefix&gt;/&lt;account&gt;/&lt;principal&gt;/&lt;uploadId&gt;/&lt;file&gt;</c>);</item>
/// <item>every photo has its faces blurred by FaceBlurPipeline into a separate published bucket;</item>
/// <item>every document is stamped (real Content-Type, SHA-256 in metadata) by RecursionSafeS3Processor under
/// <c>stamped/</c> of the same bucket.</item>
/// </list>
/// The bucket accepts writes from outside the VPC only from the roles named in the documents API's bucket policy: its
/// own functions, the photos API's functions and the stamping processor (see <see cref="OutsideVpcWriters"/>).
/// </summary>
public sealed class UploadProcessingStack : Stack
{
    /// <summary>The document processor; its bucket is the upload bucket.</summary>
    public RecursionSafeS3Processor.RecursionSafeS3Processor Documents { get; }

    /// <summary>The face-blurring pipeline fed by the upload bucket's <c>photos/</c>.</summary>
    public FaceBlurPipeline.FaceBlurPipeline Photos { get; }

    /// <summary>The upload API for photos: it creates the VPC, both endpoints and its session table.</summary>
    public PrivateUploadApi.PrivateUploadApi PhotoUploads { get; }

    /// <summary>The upload API for documents, on the photos API's VPC and endpoint; it writes the bucket's VPC restriction.</summary>
    public PrivateUploadApi.PrivateUploadApi DocumentUploads { get; }

    /// <summary>Every role allowed to write to the upload bucket from outside the VPC, besides the documents API's own functions.</summary>
    public IReadOnlyList<IRole> OutsideVpcWriters { get; }

    /// <summary>Creates the stack; every alarm notifies <paramref name="alarmTopic"/>.</summary>
    public UploadProcessingStack(Construct scope, string id, ITopic alarmTopic, IStackProps props) : base(scope, id, props)
    {
        Documents = new RecursionSafeS3Processor.RecursionSafeS3Processor(this, "Uploads", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.KeyFilter,
            InputPrefix = "documents/",
            OutputPrefix = "stamped/",
            AlarmTopic = alarmTopic,
        });

        Photos = new FaceBlurPipeline.FaceBlurPipeline(this, "Photos", new FaceBlurPipelineProps
        {
            ExistingSourceBucket = Documents.Bucket,
            InputPrefix = "photos/",
            AlarmTopic = alarmTopic,
        });

        // Two APIs write one bucket, and each API's bucket policy would deny the other's functions (they run outside the
        // VPC). So one API, created last, writes the policy and names every other writer; the first leaves it to that one.
        PhotoUploads = new PrivateUploadApi.PrivateUploadApi(this, "PhotoUploads", new PrivateUploadApiProps
        {
            ExistingBucket = Documents.Bucket,
            KeyPrefix = "photos",
            AllowedContentTypes = ["image/jpeg", "image/png"],
            MaxUploadBytes = 100d * 1024 * 1024,
            RestrictBucketToVpc = false,
            AlarmTopic = alarmTopic,
        });
        Annotations.Of(PhotoUploads).AcknowledgeWarning("patterns-cdk:PrivateUploadApi.bucketNotRestrictedToVpc",
            "The documents API's bucket policy restricts the shared bucket to the VPC and names this API's functions.");

        OutsideVpcWriters =
        [
            PhotoUploads.SessionsFunction.Role!, PhotoUploads.CompleterFunction.Role!, PhotoUploads.DirectUploadFunction.Role!,
            Documents.ProcessorFunction.Role!,
        ];
        DocumentUploads = new PrivateUploadApi.PrivateUploadApi(this, "DocumentUploads", new PrivateUploadApiProps
        {
            ExistingVpc = PhotoUploads.Vpc,
            ExistingApiEndpoint = PhotoUploads.ApiEndpoint,
            ExistingBucket = Documents.Bucket,
            KeyPrefix = "documents",
            AllowedContentTypes = ["application/pdf", "text/plain", "text/csv"],
            OutsideVpcWriters = OutsideVpcWriters,
            AlarmTopic = alarmTopic,
        });

        _ = new CfnOutput(this, "PhotoUploadApiUrl", new CfnOutputProps
        {
            Value = PhotoUploads.Url,
            Description = "Private upload API for photos (callable from the VPC only, SigV4): blurred copies appear in BlurredPhotosBucketName.",
        });
        _ = new CfnOutput(this, "DocumentUploadApiUrl", new CfnOutputProps
        {
            Value = DocumentUploads.Url,
            Description = "Private upload API for documents (callable from the VPC only, SigV4): stamped copies appear under stamped/.",
        });
        _ = new CfnOutput(this, "ApiEndpointId", new CfnOutputProps
        {
            Value = PhotoUploads.ApiEndpoint.VpcEndpointId,
            Description = "The execute-api VPC endpoint both upload APIs answer on.",
        });
        _ = new CfnOutput(this, "BlurredPhotosBucketName", new CfnOutputProps
        {
            Value = Photos.DestinationBucket.BucketName,
            Description = "Photos uploaded under photos/ appear here, same key, every face blurred, metadata stripped.",
        });
        _ = new CfnOutput(this, "UploadBucketName", new CfnOutputProps
        {
            Value = Documents.Bucket.BucketName,
            Description = "The upload bucket: photos/ and documents/ (written through the upload APIs), stamped/ (the stamped documents).",
        });
    }
}
