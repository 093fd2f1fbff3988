using System.Reflection;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The one place the harness reaches into AWSSDK.Core internals (by reflection): every SDK client the harness creates
/// keeps its retry mode and retry count (standard mode: 3 attempts for S3 and SQS, 11 for DynamoDB, and the shared
/// retry quota), but its back-off between attempts is capped at <see cref="TestMaxBackoff"/> instead of 20 s, so
/// injected faults cost milliseconds. The SDK exposes the cap as the public
/// <see cref="StandardRetryPolicy.MaxBackoffInMilliseconds"/> of the policy inside the client's <see cref="RetryHandler"/>;
/// only the client's pipeline (<c>AmazonServiceClient.RuntimePipeline</c>) is protected, hence the reflection.
/// If an SDK update moves any of this, <see cref="CapBackoff"/> throws (and HarnessSelfTests / FaultProxyTests fail)
/// instead of silently leaving 20 s back-offs.
/// </summary>
public static class SdkRetryTuning
{
    /// <summary>The longest wait between two attempts of a harness client.</summary>
    public static readonly TimeSpan TestMaxBackoff = TimeSpan.FromMilliseconds(2);

    private static readonly PropertyInfo? Pipeline =
        typeof(AmazonServiceClient).GetProperty("RuntimePipeline", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The retry policy of <paramref name="client"/> (to ask it how it classifies an exception).</summary>
    public static RetryPolicy RetryPolicyOf(object client)
    {
        if (client is not AmazonServiceClient service)
        {
            throw new ArgumentException($"{client.GetType().FullName} is not an AmazonServiceClient.", nameof(client));
        }

        RuntimePipeline pipeline = Pipeline?.GetValue(service) as RuntimePipeline
            ?? throw new InvalidOperationException(
                "AWSSDK.Core changed: AmazonServiceClient has no non-public RuntimePipeline property any more. Update Harness/SdkRetryTuning.cs.");
        return pipeline.EnumerateHandlers().OfType<RetryHandler>().SingleOrDefault()?.RetryPolicy
            ?? throw new InvalidOperationException($"AWSSDK.Core changed: {client.GetType().Name}'s pipeline has no RetryHandler with a policy. Update Harness/SdkRetryTuning.cs.");
    }

    /// <summary>Caps the back-off of <paramref name="client"/>'s retries at <see cref="TestMaxBackoff"/>; returns the client.</summary>
    public static T CapBackoff<T>(T client)
        where T : class
    {
        RetryPolicy policy = RetryPolicyOf(client);
        if (policy is not StandardRetryPolicy standard)
        {
            throw new InvalidOperationException(
                $"AWSSDK.Core changed: {client.GetType().Name} retries with {policy.GetType().FullName}, not a StandardRetryPolicy. Update Harness/SdkRetryTuning.cs.");
        }

        standard.MaxBackoffInMilliseconds = (int)TestMaxBackoff.TotalMilliseconds;
        return client;
    }

    /// <summary>
    /// Gives every endpoint its full retry quota back. The SDK keeps one quota per service URL for the whole process
    /// (<c>CapacityManager</c>, static in the retry policy), and every test talks to the same emulator URLs, so a
    /// conservation run that spends the quota on injected faults would leave the next test without retries: a single
    /// stale keep-alive connection there then fails a request that the SDK would normally retry. The conservation runs
    /// call this when they end. Throws if AWSSDK.Core no longer has that shape.
    /// </summary>
    public static void RestoreRetryQuotas()
    {
        List<object> managers = typeof(RetryPolicy).Assembly.GetTypes()
            .Where(t => typeof(RetryPolicy).IsAssignableFrom(t))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(f => f.FieldType.FullName == "Amazon.Runtime.Internal.CapacityManager")
            .Select(f => f.GetValue(null))
            .OfType<object>()
            .ToList();
        if (managers.Count == 0)
        {
            throw new InvalidOperationException("AWSSDK.Core changed: no retry policy holds a static CapacityManager any more. Update Harness/SdkRetryTuning.cs.");
        }

        foreach (object manager in managers)
        {
            FieldInfo container = manager.GetType().GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .SingleOrDefault(f => typeof(System.Collections.IDictionary).IsAssignableFrom(f.FieldType))
                ?? throw new InvalidOperationException("AWSSDK.Core changed: CapacityManager keeps its quotas per service URL in no dictionary any more. Update Harness/SdkRetryTuning.cs.");
            var quotas = (System.Collections.IDictionary)container.GetValue(container.IsStatic ? null : manager)!;
            lock (quotas)
            {
                // Clients keep the quota object they got, so each is refilled in place.
                foreach (object quota in quotas.Values)
                {
                    const BindingFlags Any = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
                    PropertyInfo? available = quota.GetType().GetProperty("AvailableCapacity", Any);
                    PropertyInfo? max = quota.GetType().GetProperty("MaxCapacity", Any);
                    if (available?.SetMethod is null || max is null)
                    {
                        throw new InvalidOperationException("AWSSDK.Core changed: RetryCapacity has no settable AvailableCapacity and MaxCapacity any more. Update Harness/SdkRetryTuning.cs.");
                    }

                    lock (quota)
                    {
                        available.SetValue(quota, max.GetValue(quota));
                    }
                }
            }
        }
    }
}
