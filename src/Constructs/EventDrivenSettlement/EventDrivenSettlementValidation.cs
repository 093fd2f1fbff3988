using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.DynamoDB;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>Every synth-time rule of <see cref="EventDrivenSettlementProps"/>, each with the message users see.</summary>
internal static partial class EventDrivenSettlementValidation
{
    /// <summary>The document types of the input contract.</summary>
    public static readonly string[] DocumentTypes = ["CAR", "HOME", "TRAVEL"];

    /// <summary>The damage levels of the input contract.</summary>
    public static readonly string[] DamageLevels = ["MINOR", "MODERATE", "SEVERE", "TOTAL_LOSS"];

    /// <summary>Environment variables the construct sets on container mode's tasks.</summary>
    public static readonly string[] ReservedContainerVariables =
        ["SETTLEMENT_TABLE", "SETTLEMENT_RULES", "DEAD_LETTER_QUEUE_URL", "MAX_RECEIVE_COUNT", "QUEUE_URL", "QUEUE_NAME", "LOG_LEVEL"];

    /// <summary>Most a deductible may be (the input contract's largest estimated cost).</summary>
    public const decimal MaxAmount = 10_000_000m;

    /// <summary>Longest archive retention accepted, in days (ten years).</summary>
    public const double MaxArchiveDays = 3650;

    public static void Validate(EventDrivenSettlementProps p)
    {
        var v = new PropsValidator(nameof(EventDrivenSettlement));
        var containerMode = p.ContainerImage is not null;
        var restApi = p.EnableRestApi == true;

        // Bring-your-own resources and overrides.
        v.FiniteNumbers(nameof(p.TableProps), p.TableProps)
            .Exclusive(nameof(p.ExistingEventBus), p.ExistingEventBus, nameof(p.EventBusProps), p.EventBusProps,
                "pass ExistingEventBus to use your bus, or EventBusProps to tune the one the construct creates, not both")
            .Exclusive(nameof(p.ExistingTable), p.ExistingTable, nameof(p.TableProps), p.TableProps,
                "pass ExistingTable to use your table, or TableProps to tune the one the construct creates, not both")
            .When(p.ExistingTable is { TableStreamArn: null }, nameof(p.ExistingTable),
                "has no stream ARN, but the outbox pipe that publishes Settlement.Finalized reads the table's stream", "a table without TableStreamArn",
                "enable a NEW_IMAGE stream on the table and import it with Table.FromTableAttributes(..., new TableAttributes { TableArn = ..., TableStreamArn = ... })")
            .When(p.ExistingTable is not null && p.TableEncryptionKey is not null, nameof(p.TableEncryptionKey),
                "encrypts the table the construct creates, but ExistingTable was given", "a key",
                "remove TableEncryptionKey (an imported table's own EncryptionKey is granted to the functions and the pipe), or remove ExistingTable")
            .Exclusive($"{nameof(p.TableProps)}.{nameof(TableProps.EncryptionKey)}", p.TableProps?.EncryptionKey, nameof(p.TableEncryptionKey), p.TableEncryptionKey,
                "pass the key once, as TableEncryptionKey")
            .When(p.TableProps?.PartitionKey is not null, $"{nameof(p.TableProps)}.{nameof(TableProps.PartitionKey)}",
                "is fixed: the handler, your container and the pipe address settlements by claimId (string)", p.TableProps?.PartitionKey?.Name, "remove it")
            .When(p.TableProps?.SortKey is not null, $"{nameof(p.TableProps)}.{nameof(TableProps.SortKey)}",
                "is fixed: one settlement per claim, so the table has no sort key", p.TableProps?.SortKey?.Name, "remove it")
            .When(p.TableProps?.Stream is not null, $"{nameof(p.TableProps)}.{nameof(TableProps.Stream)}",
                "is fixed: the outbox pipe reads a NEW_IMAGE stream", p.TableProps?.Stream, "remove it")
            .When(p.TableProps?.ReplicationRegions is { Length: > 0 }, $"{nameof(p.TableProps)}.{nameof(TableProps.ReplicationRegions)}",
                "cannot replicate the settlement table: CDK's replicas need a NEW_AND_OLD_IMAGES stream, and every replica's writes would reach this region's outbox as well",
                p.TableProps?.ReplicationRegions is { } regions ? string.Join(", ", regions) : null,
                "remove ReplicationRegions, or pass ExistingTable");

        // Safety switches.
        v.When(PropsValidator.OutOfRange(p.MaxReceiveCount, 1, 100), nameof(p.MaxReceiveCount), "must be between 1 and 100", p.MaxReceiveCount, "the default is 3")
            .When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic),
                "was given but CreateAlarms is false, so nothing would notify it", "a topic", "remove AlarmTopic or set CreateAlarms to true");

        // Handler tuning.
        foreach (var (name, value) in new[] { (nameof(p.ConsumerMemorySize), p.ConsumerMemorySize), (nameof(p.ApiMemorySize), p.ApiMemorySize) })
        {
            v.When(PropsValidator.OutOfRange(value, 128, 10240), name, "must be between 128 and 10240 MB", value, "the default is 512");
        }

        v.Whole((nameof(p.MaxReceiveCount), p.MaxReceiveCount), (nameof(p.ConsumerMemorySize), p.ConsumerMemorySize), (nameof(p.ApiMemorySize), p.ApiMemorySize),
            (nameof(p.ConsumerMaxConcurrency), p.ConsumerMaxConcurrency), (nameof(p.ApiBurstLimit), p.ApiBurstLimit),
            (nameof(p.ContainerCpu), p.ContainerCpu), (nameof(p.ContainerMemoryLimitMiB), p.ContainerMemoryLimitMiB),
            (nameof(p.ContainerMinCapacity), p.ContainerMinCapacity), (nameof(p.ContainerMaxCapacity), p.ContainerMaxCapacity),
            (nameof(p.ContainerSpotWeight), p.ContainerSpotWeight), (nameof(p.ContainerOnDemandWeight), p.ContainerOnDemandWeight));
        v.When(PropsValidator.NotWholeSeconds(p.ConsumerTimeout), nameof(p.ConsumerTimeout), "must be a whole number of seconds (Lambda takes whole seconds)",
                p.ConsumerTimeout, "round it, e.g. Duration.Seconds(30)")
            .When(PropsValidator.OutOfRange(p.ConsumerTimeout, 5, 900), nameof(p.ConsumerTimeout), "must be between 5 seconds and 15 minutes", p.ConsumerTimeout,
                "the default is 30 seconds")
            .When(PropsValidator.OutOfRange(p.ConsumerMaxConcurrency, 2, 1000), nameof(p.ConsumerMaxConcurrency),
                "must be between 2 and 1000 (SQS event sources need at least 2)", p.ConsumerMaxConcurrency, "the default is 10")
            .When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
                nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO");
        SecureQueue.Validate(v, p.QueueProps, nameof(p.QueueProps), SizingTimeout(p), null, nameof(p.ConsumerTimeout), nameof(p.ConsumerTimeout), "EventBridge sends");

        ValidateInputPattern(v, p);
        ValidateRules(v, p);
        ValidateArchive(v, p);
        ValidateRestApi(v, p, restApi, containerMode);
        ValidateContainer(v, p, containerMode, restApi);
        v.ThrowIfAny();
    }

    /// <summary>The timeout the work queue's visibility is sized from (6 x): the consumer's, or its default in container mode.</summary>
    public static Duration SizingTimeout(EventDrivenSettlementProps p) =>
        p.ContainerImage is null && p.ConsumerTimeout is { } t && !PropsValidator.NotWholeSeconds(t) && !PropsValidator.OutOfRange(t, 5, 900)
            ? t
            : EventDrivenSettlement.DefaultConsumerTimeout;

    private static void ValidateInputPattern(PropsValidator v, EventDrivenSettlementProps p)
    {
        var pattern = p.InputEventPattern;
        if (pattern is null)
        {
            return;
        }

        v.When(pattern.DetailType is { Length: 0 }, $"{nameof(p.InputEventPattern)}.DetailType",
                "does not constrain the detail-type, so the rule would send every event on the bus (other domains' too) to the settlement queue", "an empty list",
                $"leave DetailType out for \"{SettlementContracts.InputDetailType}\", or name the detail-types to settle")
            .When(pattern.DetailType?.Contains(SettlementContracts.OutputDetailType) == true, $"{nameof(p.InputEventPattern)}.DetailType",
                $"matches {SettlementContracts.OutputDetailType}, the event this construct publishes on the same bus: every settlement would come back as input",
                string.Join(", ", pattern.DetailType ?? []), $"remove \"{SettlementContracts.OutputDetailType}\"")
            .When(pattern.Source is { Length: 0 }, $"{nameof(p.InputEventPattern)}.Source",
                "is empty, which EventBridge refuses in a pattern", "an empty list", $"leave Source out for \"{SettlementContracts.InputSource}\", or name the sources");
    }

    private static void ValidateRules(PropsValidator v, EventDrivenSettlementProps p)
    {
        v.When(p.Currency is not null && !CurrencyPattern().IsMatch(p.Currency), nameof(p.Currency),
            "must be an ISO 4217 code: three capital letters (the output contract's pattern)", p.Currency, "e.g. \"USD\" or \"EUR\"; the default is USD");
        if (p.Deductibles is not { } rows)
        {
            return;
        }

        v.When(rows.Count == 0, nameof(p.Deductibles), "must have at least one row, or no claim could be settled", "an empty list",
            "add a Deductible per document type and damage level you settle, or leave Deductibles out for the default CAR table");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var at = $"{nameof(p.Deductibles)}[{i}]";
            if (row is null)
            {
                v.When(true, at, "is null", null, "remove it or give a Deductible");
                continue;
            }

            v.When(row.DocumentType is null || !DocumentTypes.Contains(row.DocumentType, StringComparer.Ordinal), $"{at}.DocumentType",
                    "must be a document type of the input contract", row.DocumentType, "use one of CAR, HOME, TRAVEL")
                .When(row.DamageLevel is null || !DamageLevels.Contains(row.DamageLevel, StringComparer.Ordinal), $"{at}.DamageLevel",
                    "must be a damage level of the input contract", row.DamageLevel, "use one of MINOR, MODERATE, SEVERE, TOTAL_LOSS")
                .When(row.Amount is null, $"{at}.Amount", "is required", null, "set the deductible, e.g. 250m")
                .When(row.Amount is { } a && (a < 0 || a > MaxAmount), $"{at}.Amount", "must be between 0 and 10000000", row.Amount?.ToString(CultureInfo.InvariantCulture),
                    "give the deductible in the currency's units, e.g. 250m")
                .When(row.Amount is { } b && b != decimal.Round(b, 2), $"{at}.Amount", "must have at most two decimal places (amounts are settled to the cent)",
                    row.Amount?.ToString(CultureInfo.InvariantCulture), "round it, e.g. 99.99m");
        }

        foreach (var duplicate in rows.Where(r => r?.DocumentType is not null && r.DamageLevel is not null)
                     .GroupBy(r => $"{r.DocumentType}/{r.DamageLevel}", StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.When(true, nameof(p.Deductibles), "has two rows for the same document type and damage level, so the deductible would be ambiguous", duplicate.Key,
                "keep one row per document type and damage level");
        }
    }

    private static void ValidateArchive(PropsValidator v, EventDrivenSettlementProps p)
    {
        if (p.ArchiveRetention is not { } retention)
        {
            return;
        }

        var days = retention.ToDays(new TimeConversionOptions { Integral = false });
        v.When(!double.IsFinite(days) || days < 1 || days > MaxArchiveDays, nameof(p.ArchiveRetention), "must be between 1 and 3650 days", retention,
                "e.g. Duration.Days(30), or leave it out for no archive")
            .When(double.IsFinite(days) && days != Math.Floor(days), nameof(p.ArchiveRetention), "must be a whole number of days (EventBridge keeps archives by the day)",
                retention, "round it, e.g. Duration.Days(30)");
    }

    private static void ValidateRestApi(PropsValidator v, EventDrivenSettlementProps p, bool restApi, bool containerMode)
    {
        foreach (var (name, value) in new (string, object?)[]
                 {
                     (nameof(p.ApiEndpointType), p.ApiEndpointType), (nameof(p.ApiRateLimit), p.ApiRateLimit), (nameof(p.ApiBurstLimit), p.ApiBurstLimit),
                     (nameof(p.ApiMemorySize), p.ApiMemorySize), (nameof(p.ApiCloudWatchRole), p.ApiCloudWatchRole),
                     (nameof(p.ExistingApiVpcEndpoint), p.ExistingApiVpcEndpoint),
                 })
        {
            v.When(!restApi && value is not null, name, "configures the REST API, but EnableRestApi is not true", value is Constructs.IConstruct ? "an endpoint" : value,
                $"set EnableRestApi to true, or remove {name}");
        }

        if (!restApi)
        {
            return;
        }

        var isPrivate = p.ApiEndpointType == EndpointType.PRIVATE;
        v.When(isPrivate && p.ExistingApiVpcEndpoint is null && p.ExistingVpc is null && !containerMode, nameof(p.ApiEndpointType),
                "is PRIVATE, but there is no VPC to reach the API from", p.ApiEndpointType,
                "pass ExistingApiVpcEndpoint (an execute-api interface endpoint) or ExistingVpc (the construct adds the endpoint), or use REGIONAL")
            .When(p.ExistingApiVpcEndpoint is not null && !isPrivate, nameof(p.ExistingApiVpcEndpoint),
                "is only used by a PRIVATE API", "an endpoint", "set ApiEndpointType to EndpointType.PRIVATE, or remove ExistingApiVpcEndpoint")
            .When(PropsValidator.OutOfRange(p.ApiRateLimit, 1, 10000), nameof(p.ApiRateLimit), "must be between 1 and 10000 requests per second", p.ApiRateLimit, "the default is 50")
            .When(PropsValidator.OutOfRange(p.ApiBurstLimit, 1, 5000), nameof(p.ApiBurstLimit), "must be between 1 and 5000 requests", p.ApiBurstLimit, "the default is 100");
    }

    private static void ValidateContainer(PropsValidator v, EventDrivenSettlementProps p, bool containerMode, bool restApi)
    {
        if (containerMode)
        {
            foreach (var (name, value) in new (string, object?)[]
                     {
                         (nameof(p.ConsumerMemorySize), p.ConsumerMemorySize), (nameof(p.ConsumerTimeout), p.ConsumerTimeout),
                         (nameof(p.ConsumerMaxConcurrency), p.ConsumerMaxConcurrency),
                     })
            {
                v.When(value is not null, name, "tunes the bundled settlement function, which ContainerImage replaces", value,
                    $"remove {name} (size the tasks with ContainerCpu, ContainerMemoryLimitMiB and ContainerMaxCapacity), or remove ContainerImage to use the bundled function");
            }
        }
        else
        {
            foreach (var (name, value) in new (string, object?)[]
                     {
                         (nameof(p.ContainerCpu), p.ContainerCpu), (nameof(p.ContainerMemoryLimitMiB), p.ContainerMemoryLimitMiB),
                         (nameof(p.ContainerMinCapacity), p.ContainerMinCapacity), (nameof(p.ContainerMaxCapacity), p.ContainerMaxCapacity),
                         (nameof(p.ContainerSpotWeight), p.ContainerSpotWeight), (nameof(p.ContainerOnDemandWeight), p.ContainerOnDemandWeight),
                         (nameof(p.ContainerEnvironment), p.ContainerEnvironment),
                     })
            {
                v.When(value is not null, name, "configures container mode, but ContainerImage was not given", value is System.Collections.IEnumerable and not string ? "variables" : value,
                    $"set ContainerImage to your settlement service's image, or remove {name}");
            }

            v.When(p.ExistingVpc is not null && !(restApi && p.ApiEndpointType == EndpointType.PRIVATE && p.ExistingApiVpcEndpoint is null), nameof(p.ExistingVpc),
                "is used only by container mode's tasks and a PRIVATE API's new endpoint, and neither is configured", "a VPC",
                "remove ExistingVpc, or set ContainerImage (or ApiEndpointType PRIVATE)");
            return;
        }

        var cpu = p.ContainerCpu ?? EventDrivenSettlement.DefaultContainerCpu;
        var memory = p.ContainerMemoryLimitMiB ?? EventDrivenSettlement.DefaultContainerMemory;
        v.When(!FargateSizes.ContainsKey(cpu), nameof(p.ContainerCpu), "must be a Fargate task size: 256, 512, 1024, 2048, 4096, 8192 or 16384", p.ContainerCpu,
                "the default is 512 (half a vCPU)")
            .When(FargateSizes.TryGetValue(cpu, out var sizes) && !sizes.Contains(memory), nameof(p.ContainerMemoryLimitMiB),
                $"is not a memory size Fargate offers with {cpu.ToString(CultureInfo.InvariantCulture)} CPU units", memory,
                FargateSizes.TryGetValue(cpu, out var allowed)
                    ? $"use one of {allowed.Min().ToString(CultureInfo.InvariantCulture)}-{allowed.Max().ToString(CultureInfo.InvariantCulture)} MiB in steps of {(allowed.Count > 1 ? (allowed[1] - allowed[0]).ToString(CultureInfo.InvariantCulture) : "1")} ({string.Join(", ", allowed.Take(4).Select(m => m.ToString(CultureInfo.InvariantCulture)))}{(allowed.Count > 4 ? ", ..." : "")})"
                    : "fix ContainerCpu first")
            .When(PropsValidator.OutOfRange(p.ContainerMinCapacity, 0, 1000), nameof(p.ContainerMinCapacity), "must be between 0 and 1000", p.ContainerMinCapacity, "the default is 0 (scale to zero)")
            .When(PropsValidator.OutOfRange(p.ContainerMaxCapacity, 1, 1000), nameof(p.ContainerMaxCapacity), "must be between 1 and 1000", p.ContainerMaxCapacity, "the default is 4")
            .When((p.ContainerMinCapacity ?? 0) > (p.ContainerMaxCapacity ?? EventDrivenSettlement.DefaultContainerMaxCapacity), nameof(p.ContainerMinCapacity),
                $"is more than ContainerMaxCapacity ({(p.ContainerMaxCapacity ?? EventDrivenSettlement.DefaultContainerMaxCapacity).ToString(CultureInfo.InvariantCulture)})",
                p.ContainerMinCapacity, "lower ContainerMinCapacity or raise ContainerMaxCapacity")
            .When(PropsValidator.OutOfRange(p.ContainerSpotWeight, 0, 1000), nameof(p.ContainerSpotWeight), "must be between 0 and 1000", p.ContainerSpotWeight, "the default is 2")
            .When(PropsValidator.OutOfRange(p.ContainerOnDemandWeight, 0, 1000), nameof(p.ContainerOnDemandWeight), "must be between 0 and 1000", p.ContainerOnDemandWeight, "the default is 1")
            .When((p.ContainerSpotWeight ?? 2) == 0 && (p.ContainerOnDemandWeight ?? 1) == 0, nameof(p.ContainerOnDemandWeight),
                "is 0 and so is ContainerSpotWeight, so no capacity provider would ever run a task", p.ContainerOnDemandWeight,
                "give FARGATE (ContainerOnDemandWeight) or FARGATE_SPOT (ContainerSpotWeight) a weight above 0");
        foreach (var name in (p.ContainerEnvironment ?? new Dictionary<string, string>()).Keys)
        {
            v.When(ReservedContainerVariables.Contains(name, StringComparer.Ordinal), nameof(p.ContainerEnvironment),
                    $"sets {name}, which the construct sets (the container's contract)", name, $"remove {name}, or read your own variable under another name")
                .When(!EnvironmentName().IsMatch(name), nameof(p.ContainerEnvironment), "has a variable name that is not a portable environment variable name", name,
                    "use letters, digits and '_', not starting with a digit");
        }
    }

    /// <summary>Fargate's task sizes: CPU units and the memory (MiB) each allows.</summary>
    private static readonly Dictionary<double, List<double>> FargateSizes = new()
    {
        [256] = [512, 1024, 2048],
        [512] = Steps(1024, 4096, 1024),
        [1024] = Steps(2048, 8192, 1024),
        [2048] = Steps(4096, 16384, 1024),
        [4096] = Steps(8192, 30720, 1024),
        [8192] = Steps(16384, 61440, 4096),
        [16384] = Steps(32768, 122880, 8192),
    };

    private static List<double> Steps(double from, double to, double step)
    {
        var result = new List<double>();
        for (var m = from; m <= to; m += step)
        {
            result.Add(m);
        }

        return result;
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();
}
