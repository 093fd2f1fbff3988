using Xunit;

// The CDK runs in one jsii (Node.js) kernel per process; its initialisation and calls are not thread-safe.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
