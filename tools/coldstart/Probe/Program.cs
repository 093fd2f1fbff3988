using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Amazon;
using Amazon.S3;
using Amazon.SQS;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;
#if PROBE_RECURSIONSAFES3PROCESSOR
using Amazon.DynamoDBv2;
using Project = Patterns.Cdk.Functions.RecursionSafeS3Processor.Bootstrap;
#elif PROBE_APIPOLLER
using Amazon.DynamoDBv2;
using Project = Patterns.Cdk.Functions.ApiPoller.Bootstrap;
#elif PROBE_FACEBLURPIPELINE
using Project = Patterns.Cdk.Functions.FaceBlurPipeline.Bootstrap;
#elif PROBE_MWAASCHEDULER
using Amazon.DynamoDBv2;
using Project = Patterns.Cdk.Functions.MwaaScheduler.Bootstrap;
#elif PROBE_PRIVATEUPLOADAPI
using Amazon.DynamoDBv2;
using Project = Patterns.Cdk.Functions.PrivateUploadApi.Bootstrap;
#endif

// Times, step by step, what a handler's bootstrap does up to its first answer, without the Runtime API: each step's
// wall time and minor page faults go to stderr as "probe<TAB>step<TAB>ms<TAB>faults". The harness (ColdStartHost
// --probe) starts it with the handler's environment, COLDSTART_SPAWNED (its Stopwatch timestamp just before the spawn;
// both read CLOCK_MONOTONIC), COLDSTART_PAYLOAD (a file) and COLDSTART_PROBE_MODE:
//   handler    the handler's factory, then two invocations (the second shows what the first paid once)
//   sdk        the AWS SDK clients one by one (each twice), then the factory and one invocation
//   exception  a first and a second exception with its stack trace and ErrorReport, then nothing else
//   skia       loading libSkiaSharp.so (FaceBlurPipeline only; the worker loads it at its first blur)
//   pagefaults what one page fault costs on this machine: 4096 fresh anonymous pages written (as the runtime fills
//              its .hydrated section at start), then every page of this executable read (file-backed, page cache)
long entered = Stopwatch.GetTimestamp();
var steps = new Steps(long.Parse(Environment.GetEnvironmentVariable("COLDSTART_SPAWNED") ?? entered.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
steps.Mark("spawn → Main", entered);
string mode = Environment.GetEnvironmentVariable("COLDSTART_PROBE_MODE") ?? "handler";
string handlerName = Environment.GetEnvironmentVariable("_HANDLER") ?? "";
byte[] payload = File.ReadAllBytes(Environment.GetEnvironmentVariable("COLDSTART_PAYLOAD") ?? throw new InvalidOperationException("COLDSTART_PAYLOAD is not set"));
steps.Mark("read the payload file");

switch (mode)
{
    case "sdk":
        RegionEndpoint region = RegionEndpoint.GetBySystemName(Environment.GetEnvironmentVariable("AWS_REGION"));
        steps.Mark("RegionEndpoint.GetBySystemName");
        using (new AmazonS3Client(region))
        {
            steps.Mark("new AmazonS3Client (first)");
        }

        using (new AmazonS3Client(region))
        {
            steps.Mark("new AmazonS3Client (second)");
        }

        using (new AmazonSQSClient(region))
        {
            steps.Mark("new AmazonSQSClient (first)");
        }

        using (new AmazonSQSClient(region))
        {
            steps.Mark("new AmazonSQSClient (second)");
        }
#if PROBE_RECURSIONSAFES3PROCESSOR || PROBE_APIPOLLER || PROBE_MWAASCHEDULER || PROBE_PRIVATEUPLOADAPI
        using (new AmazonDynamoDBClient(region))
        {
            steps.Mark("new AmazonDynamoDBClient (first)");
        }

        using (new AmazonDynamoDBClient(region))
        {
            steps.Mark("new AmazonDynamoDBClient (second)");
        }
#endif
        await RunHandlerAsync(invocations: 1);
        break;
    case "exception":
        for (int i = 1; i <= 2; i++)
        {
            string which = i == 1 ? "first" : "second";
            try
            {
                Throw();
            }
            catch (InvalidOperationException e)
            {
                steps.Mark($"throw + catch ({which})");
                _ = e.StackTrace;
                steps.Mark($"its StackTrace string ({which})");
                _ = ErrorReport.From(e).ToJson();
                steps.Mark($"ErrorReport JSON ({which})");
            }
        }

        break;
    case "skia":
        IntPtr library = NativeLibrary.Load(Path.Combine(AppContext.BaseDirectory, "libSkiaSharp.so"));
        steps.Mark("dlopen libSkiaSharp.so");
        NativeLibrary.Free(library);
        break;
    case "pagefaults":
        TouchPages();
        break;
    default:
        await RunHandlerAsync(invocations: 2);
        break;
}

return 0;

async Task RunHandlerAsync(int invocations)
{
    LambdaHandler handler = Project.Handlers[handlerName]();
    steps.Mark("handler factory (settings, clients)");
    for (int i = 1; i <= invocations; i++)
    {
        string which = i == 1 ? "first" : "second";
        try
        {
            // As the runtime loop hands it over: a read-only MemoryStream whose buffer LambdaJson may read in place.
            using var input = new MemoryStream(payload, 0, payload.Length, writable: false, publiclyVisible: true);
            await using Stream output = await handler(input);
            await output.CopyToAsync(Stream.Null);
            steps.Mark($"invocation ({which}) → response");
        }
        catch (Exception e)
        {
            steps.Mark($"invocation ({which}) → exception");
            _ = ErrorReport.From(e).ToJson();
            steps.Mark($"ErrorReport with stack trace ({which})");
        }
    }
}

static void Throw() => throw new InvalidOperationException("probe");

unsafe void TouchPages()
{
    const int Pages = 4096;
    byte* memory = (byte*)NativeMemory.Alloc(Pages * 4096);
    steps.Mark("(allocate 16 MB)");
    for (int i = 0; i < Pages; i++)
    {
        memory[i * 4096] = 1;
    }

    steps.Mark("write 4096 fresh anonymous pages");
    NativeMemory.Free(memory);
    using var file = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(Environment.ProcessPath!, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
    using var view = file.CreateViewAccessor(0, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
    byte* mapped = null;
    view.SafeMemoryMappedViewHandle.AcquirePointer(ref mapped);
    steps.Mark("(map this executable)");
    long length = new FileInfo(Environment.ProcessPath!).Length;
    int sum = 0;
    for (long offset = 0; offset < length; offset += 4096)
    {
        sum += mapped[offset];
    }

    steps.Mark($"read every page of this executable ({length / 4096} pages, page cache)");
    view.SafeMemoryMappedViewHandle.ReleasePointer();
    GC.KeepAlive(sum);
}

/// <summary>Writes each step's wall time and minor page faults since the previous step (the measuring itself excluded).</summary>
internal sealed class Steps(long spawned)
{
    private long _last = spawned;
    private long _faults;

    public void Mark(string step, long? at = null)
    {
        long now = at ?? Stopwatch.GetTimestamp();
        long faults = MinorFaults();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"probe\t{step}\t{Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds:0.000}\t{faults - _faults}"));
        _faults = MinorFaults();
        _last = Stopwatch.GetTimestamp();
    }

    // Field 10 of /proc/self/stat (minflt), counted from the state field as 3.
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[10 - 3], CultureInfo.InvariantCulture);
    }
}
