using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>The SDK clients one function (or the uploader) uses, all counted and bound to the emulators.</summary>
public sealed record ClientSet(IAmazonS3 S3, IAmazonSQS Sqs, IAmazonDynamoDB DynamoDb) : IDisposable
{
    public void Dispose()
    {
        S3.Dispose();
        Sqs.Dispose();
        DynamoDb.Dispose();
    }
}

/// <summary>
/// One deployed function: the class its handler string names, instantiated through its test constructor with
/// emulator-bound clients and the settings read from its template environment variables. A bundled handler's string is
/// an entry of its zip's <c>Bootstrap.Handlers</c> table (what the Native AOT bootstrap dispatches on); a managed .NET
/// handler string (<c>Assembly::Type::Method</c>) names a test double.
/// </summary>
public sealed class FunctionHost
{
    private readonly object _instance;
    private readonly MethodInfo _method;

    private FunctionHost(string logicalId, string name, string principalId, IReadOnlyDictionary<string, string> environment, object instance, MethodInfo method)
    {
        LogicalId = logicalId;
        Name = name;
        PrincipalId = principalId;
        Environment = environment;
        _instance = instance;
        _method = method;
    }

    public string LogicalId { get; }

    public string Name { get; }

    /// <summary>userIdentity.principalId S3 records for this function's writes: <c>AWS:{role id}:{function name}</c>.</summary>
    public string PrincipalId { get; }

    /// <summary>The resolved environment variables (plus what Lambda sets itself).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string HandlerType => _instance.GetType().FullName!;

    /// <summary>
    /// Hosts the function <paramref name="logicalId"/> (template <paramref name="properties"/>, names from
    /// <paramref name="resources"/>) with clients from <paramref name="createClients"/>; its log lines go to <paramref name="log"/>.
    /// <paramref name="environmentOverrides"/> are added to the resolved environment (a test endpoint, say);
    /// <paramref name="extraArgument"/> supplies constructor parameters the simulation cannot (by type, given the environment and the log; null for none).
    /// </summary>
    public static FunctionHost Create(string logicalId, JsonObject properties, ProvisionedResources resources, Func<ClientIdentity, ClientSet> createClients, Action<string> log,
        IReadOnlyDictionary<string, string>? environmentOverrides = null, Func<Type, Func<string, string?>, JsonLog, object?>? extraArgument = null)
    {
        string name = resources[logicalId].Name;
        string roleId = resources[CfnTemplate.ReferencedId(properties["Role"])].Attributes["RoleId"];
        var identity = new ClientIdentity(logicalId, $"AWS:{roleId}:{name}");

        var environment = resources.ResolveEnvironment(properties);
        environment["AWS_REGION"] = EmulatorFixture.Region;
        environment["AWS_LAMBDA_FUNCTION_NAME"] = name;
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        foreach ((string variable, string value) in environmentOverrides ?? new Dictionary<string, string>())
        {
            environment[variable] = value;
        }

        Func<string, string?> lookup = variable => environment.GetValueOrDefault(variable);

        string handler = (string?)properties["Handler"] ?? throw new InvalidOperationException($"{logicalId} has no Handler.");
        (Type type, MethodInfo method) = ResolveHandler(logicalId, handler);

        ClientSet clients = createClients(identity);
        var jsonLog = new JsonLog(new LineStream(line => log($"[{logicalId}] {line}")), lookup, TimeProvider.System);
        object instance = Instantiate(type, clients, lookup, jsonLog, extraArgument);
        return new FunctionHost(logicalId, name, identity.PrincipalId, environment, instance, method);
    }

    // The bootstrap tables of the handler projects: the harness runs the class an entry names (on the JIT) the way
    // the AOT bootstrap would, only with the test constructor instead of the Lambda one.
    private static readonly (Assembly Assembly, IReadOnlyDictionary<string, Func<Functions.Shared.RuntimeSupportStandIn.LambdaHandler>> Table)[] Bootstraps =
    [
        (typeof(Functions.RecursionSafeS3Processor.Bootstrap).Assembly, Functions.RecursionSafeS3Processor.Bootstrap.Handlers),
        (typeof(Functions.FaceBlurPipeline.Bootstrap).Assembly, Functions.FaceBlurPipeline.Bootstrap.Handlers),
        (typeof(Functions.ApiPoller.Bootstrap).Assembly, Functions.ApiPoller.Bootstrap.Handlers),
        (typeof(Functions.EventDrivenSettlement.Bootstrap).Assembly, Functions.EventDrivenSettlement.Bootstrap.Handlers),
        (typeof(Functions.MwaaScheduler.Bootstrap).Assembly, Functions.MwaaScheduler.Bootstrap.Handlers),
    ];

    private static (Type Type, MethodInfo Method) ResolveHandler(string logicalId, string handler)
    {
        string[] parts = handler.Split("::");
        Type type;
        string methodName;
        if (parts.Length == 3)
        {
            type = Assembly.Load(new AssemblyName(parts[0])).GetType(parts[1], throwOnError: true)!;
            methodName = parts[2];
        }
        else
        {
            var served = Bootstraps.Where(b => b.Table.ContainsKey(handler)).ToList();
            if (served.Count != 1)
            {
                throw new NotSupportedException($"{logicalId}: handler '{handler}' is served by {served.Count} bundled bootstraps (expected exactly one).");
            }

            type = served[0].Assembly.GetTypes().Single(t => t.IsPublic && t.Name == handler);
            methodName = "HandleAsync";
        }

        MethodInfo method = type.GetMethod(methodName, [typeof(Stream)]) is { } m && m.ReturnType == typeof(Task<Stream>)
            ? m
            : throw new InvalidOperationException($"{logicalId}: {type.FullName} has no public Task<Stream> {methodName}(Stream).");
        return (type, method);
    }

    /// <summary>Calls the handler with <paramref name="payload"/> and returns its response (empty for none). Exceptions propagate, as a function error.</summary>
    public async Task<string> InvokeAsync(string payload)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        using var input = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
        Stream output = await (Task<Stream>)Unwrap(() => _method.Invoke(_instance, [input]));
        using var reader = new StreamReader(output);
        return await reader.ReadToEndAsync();
    }

    // The constructor with the most parameters that can all be supplied: SDK clients, a settings record read with its
    // static FromEnvironment(Func<string, string?>), the log, a clock; optional parameters keep their defaults.
    private static object Instantiate(Type type, ClientSet clients, Func<string, string?> environment, JsonLog log,
        Func<Type, Func<string, string?>, JsonLog, object?>? extraArgument)
    {
        foreach (ConstructorInfo constructor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            ParameterInfo[] parameters = constructor.GetParameters();
            object?[] arguments = new object?[parameters.Length];
            bool complete = parameters.Length > 0 || type.GetConstructors().Length == 1;
            for (int i = 0; i < parameters.Length && complete; i++)
            {
                Type p = parameters[i].ParameterType;
                arguments[i] = p switch
                {
                    _ when p == typeof(IAmazonS3) => clients.S3,
                    _ when p == typeof(IAmazonSQS) => clients.Sqs,
                    _ when p == typeof(IAmazonDynamoDB) => clients.DynamoDb,
                    _ when p == typeof(JsonLog) => log,
                    _ when p == typeof(TimeProvider) => TimeProvider.System,
                    _ when p.GetMethod("FromEnvironment", BindingFlags.Public | BindingFlags.Static, [typeof(Func<string, string?>)]) is { } read =>
                        Unwrap(() => read.Invoke(null, [environment])),
                    _ when extraArgument?.Invoke(p, environment, log) is { } extra => extra,
                    _ when parameters[i].HasDefaultValue => parameters[i].DefaultValue,
                    _ => null,
                };
                complete = arguments[i] is not null || parameters[i].HasDefaultValue;
            }

            if (complete)
            {
                return Unwrap(() => constructor.Invoke(arguments));
            }
        }

        throw new InvalidOperationException($"{type.FullName} has no constructor the simulation can call (SDK clients, a settings record with FromEnvironment, JsonLog, TimeProvider).");
    }

    private static object Unwrap(Func<object?> call)
    {
        try
        {
            return call()!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>A write-only stream that hands each complete UTF-8 line to a callback.</summary>
    private sealed class LineStream(Action<string> onLine) : Stream
    {
        private readonly MemoryStream _pending = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_pending)
            {
                foreach (byte b in buffer)
                {
                    if (b == (byte)'\n')
                    {
                        onLine(Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length));
                        _pending.SetLength(0);
                    }
                    else
                    {
                        _pending.WriteByte(b);
                    }
                }
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
