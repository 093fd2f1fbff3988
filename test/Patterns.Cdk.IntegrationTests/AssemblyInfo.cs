// The CDK runs in one jsii (Node.js) kernel per process, which is not thread-safe; and every test shares one pair
// of emulators. Tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
