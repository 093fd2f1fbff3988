using Amazon.CDK;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.RecursionSafeS3Processor;

namespace Patterns.Cdk.App;

/// <summary>
/// One upload bucket, two patterns on it: documents under <c>incoming/</c> are stamped by the bundled ContentStamp
/// processor (real Content-Type, SHA-256 in metadata) under <c>stamped/</c> of the same bucket; photos under
/// <c>photos/</c> have every face blurred into a separate bucket. (The PrivateUploadApi will feed this bucket.)
/// </summary>
public sealed class UploadProcessingStack : Stack
{
    /// <summary>The upload processor.</summary>
    public RecursionSafeS3Processor.RecursionSafeS3Processor Uploads { get; }

    /// <summary>The face-blurring pipeline fed by the same bucket.</summary>
    public FaceBlurPipeline.FaceBlurPipeline Photos { get; }

    /// <summary>Creates the stack; every alarm notifies <paramref name="alarmTopic"/>.</summary>
    public UploadProcessingStack(Construct scope, string id, ITopic alarmTopic, IStackProps props) : base(scope, id, props)
    {
        Uploads = new RecursionSafeS3Processor.RecursionSafeS3Processor(this, "Uploads", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.KeyFilter,
            InputPrefix = "incoming/",
            OutputPrefix = "stamped/",
            AlarmTopic = alarmTopic,
        });

        Photos = new FaceBlurPipeline.FaceBlurPipeline(this, "Photos", new FaceBlurPipelineProps
        {
            ExistingSourceBucket = Uploads.Bucket,
            InputPrefix = "photos/",
            AlarmTopic = alarmTopic,
        });

        _ = new CfnOutput(this, "BlurredPhotosBucketName", new CfnOutputProps
        {
            Value = Photos.DestinationBucket.BucketName,
            Description = "Photos uploaded under photos/ appear here, same key, every face blurred, metadata stripped.",
        });

        _ = new CfnOutput(this, "UploadBucketName", new CfnOutputProps
        {
            Value = Uploads.Bucket.BucketName,
            Description = "Upload documents under incoming/ (stamped copies appear under stamped/) and photos under photos/.",
        });
    }
}
