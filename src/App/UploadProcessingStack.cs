using Amazon.CDK;
using Constructs;
using Patterns.Cdk.RecursionSafeS3Processor;

namespace Patterns.Cdk.App;

/// <summary>
/// Uploads land in one bucket under <c>incoming/</c>; the bundled ContentStamp processor writes each object's
/// checked copy (real Content-Type, SHA-256 in metadata) under <c>stamped/</c> of the same bucket.
/// Later patterns (FaceBlurPipeline, PrivateUploadApi) plug into <see cref="Uploads"/>.
/// </summary>
public sealed class UploadProcessingStack : Stack
{
    /// <summary>The upload processor.</summary>
    public RecursionSafeS3Processor.RecursionSafeS3Processor Uploads { get; }

    /// <summary>Creates the stack.</summary>
    public UploadProcessingStack(Construct scope, string id, IStackProps props) : base(scope, id, props)
    {
        Uploads = new RecursionSafeS3Processor.RecursionSafeS3Processor(this, "Uploads", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.KeyFilter,
            InputPrefix = "incoming/",
            OutputPrefix = "stamped/",
        });

        _ = new CfnOutput(this, "UploadBucketName", new CfnOutputProps
        {
            Value = Uploads.Bucket.BucketName,
            Description = "Upload objects under incoming/; stamped copies appear under stamped/.",
        });
    }
}
