using System.Text.Json;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>
/// Builds the CreateEnvironment request that re-creates an environment from its GetEnvironment description, from an
/// allow-list of CreateEnvironment's 25 members:
/// <list type="bullet">
/// <item>output-only members are dropped (Arn, Status, CreatedAt, LastUpdate, WebserverUrl, ServiceRoleArn,
/// CeleryExecutorQueue, DatabaseVpcEndpointService, WebserverVpcEndpointService, and anything else not listed);</item>
/// <item><c>LoggingConfiguration</c> is rebuilt as <c>{Enabled, LogLevel}</c> per module (no <c>CloudWatchLogGroupArn</c>);</item>
/// <item><c>NetworkConfiguration</c> keeps <c>SubnetIds</c> and <c>SecurityGroupIds</c>;</item>
/// <item><c>Tags</c> lose every key that starts with <c>aws:</c> in any case (CreateEnvironment rejects them, and
/// CloudFormation puts <c>aws:cloudformation:*</c> on the environments it creates).</item>
/// </list>
/// Problems are reported by member name only: configuration values are never quoted (they can hold secrets).
/// </summary>
public static class CreateEnvironmentRequest
{
    /// <summary>CreateEnvironment's members, in the service model's order.</summary>
    public static readonly IReadOnlyList<string> Members =
    [
        "Name", "ExecutionRoleArn", "SourceBucketArn", "DagS3Path", "NetworkConfiguration", "PluginsS3Path", "PluginsS3ObjectVersion",
        "RequirementsS3Path", "RequirementsS3ObjectVersion", "StartupScriptS3Path", "StartupScriptS3ObjectVersion", "AirflowConfigurationOptions",
        "EnvironmentClass", "MaxWorkers", "KmsKey", "AirflowVersion", "LoggingConfiguration", "WeeklyMaintenanceWindowStart", "Tags",
        "WebserverAccessMode", "MinWorkers", "Schedulers", "EndpointManagement", "MinWebservers", "MaxWebservers",
    ];

    /// <summary>The members CreateEnvironment requires.</summary>
    public static readonly IReadOnlyList<string> Required = ["Name", "ExecutionRoleArn", "SourceBucketArn", "DagS3Path", "NetworkConfiguration"];

    /// <summary>The logging modules of an environment.</summary>
    public static readonly IReadOnlyList<string> LogModules = ["DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs", "TaskLogs"];

    /// <summary>The saved S3 objects: each path member and its version member.</summary>
    public static readonly IReadOnlyList<(string Path, string Version)> VersionedObjects =
    [
        ("PluginsS3Path", "PluginsS3ObjectVersion"), ("RequirementsS3Path", "RequirementsS3ObjectVersion"), ("StartupScriptS3Path", "StartupScriptS3ObjectVersion"),
    ];

    private static readonly HashSet<string> Integers = new(StringComparer.Ordinal) { "MaxWorkers", "MinWorkers", "Schedulers", "MinWebservers", "MaxWebservers" };
    private static readonly HashSet<string> StringMaps = new(StringComparer.Ordinal) { "AirflowConfigurationOptions", "Tags" };

    /// <summary>The request (UTF-8 JSON object with the members present in <paramref name="environment"/>).</summary>
    /// <param name="environment">GetEnvironment's <c>Environment</c>.</param>
    /// <param name="expectedName">The environment this function serves: the description must be of it.</param>
    /// <exception cref="BadInput">Not an object, a required member missing, a member of the wrong type, another environment.</exception>
    public static byte[] Build(JsonElement environment, string expectedName)
    {
        if (environment.ValueKind != JsonValueKind.Object)
        {
            throw new BadInput($"environment must be GetEnvironment's Environment object (got {environment.ValueKind})");
        }

        var problems = new List<string>();
        foreach (string member in Required)
        {
            if (!environment.TryGetProperty(member, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                problems.Add($"environment.{member} is required by CreateEnvironment but missing");
            }
        }

        if (environment.TryGetProperty("Name", out JsonElement name) && name.ValueKind == JsonValueKind.String && name.GetString() != expectedName)
        {
            problems.Add($"environment.Name is '{name.GetString()}', but this function serves environment '{expectedName}'");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (string member in Members)
            {
                if (environment.TryGetProperty(member, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
                {
                    WriteMember(writer, member, value, problems);
                }
            }

            writer.WriteEndObject();
        }

        if (problems.Count > 0)
        {
            throw new BadInput($"the environment description cannot be saved: {string.Join("; ", problems)}");
        }

        return buffer.ToArray();
    }

    /// <summary>All 25 members of a saved request, null where absent (what the resume workflow's CreateEnvironment reads).</summary>
    public static JsonElement WithAllMembers(JsonElement saved)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (string member in Members)
            {
                if (saved.ValueKind == JsonValueKind.Object && saved.TryGetProperty(member, out JsonElement value))
                {
                    writer.WritePropertyName(member);
                    value.WriteTo(writer);
                }
                else
                {
                    writer.WriteNull(member);
                }
            }

            writer.WriteEndObject();
        }

        using JsonDocument document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    /// <summary>Whether a tag key may be given to CreateEnvironment (no <c>aws:</c> prefix, in any case).</summary>
    public static bool IsUserTag(string key) => !key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase);

    private static void WriteMember(Utf8JsonWriter writer, string member, JsonElement value, List<string> problems)
    {
        switch (member)
        {
            case "NetworkConfiguration":
                WriteNetwork(writer, value, problems);
                return;
            case "LoggingConfiguration":
                WriteLogging(writer, value, problems);
                return;
            case "Tags":
                WriteStringMap(writer, member, value, problems, IsUserTag);
                return;
            case var _ when StringMaps.Contains(member):
                WriteStringMap(writer, member, value, problems, static _ => true);
                return;
            case var _ when Integers.Contains(member):
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number))
                {
                    writer.WriteNumber(member, number);
                }
                else
                {
                    problems.Add($"environment.{member} must be a whole number (got {value.ValueKind})");
                }

                return;
            default:
                if (value.ValueKind == JsonValueKind.String)
                {
                    writer.WriteString(member, value.GetString());
                }
                else
                {
                    problems.Add($"environment.{member} must be a string (got {value.ValueKind})");
                }

                return;
        }
    }

    private static void WriteNetwork(Utf8JsonWriter writer, JsonElement value, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"environment.NetworkConfiguration must be an object (got {value.ValueKind})");
            return;
        }

        writer.WriteStartObject("NetworkConfiguration");
        foreach (string list in (string[])["SubnetIds", "SecurityGroupIds"])
        {
            if (!value.TryGetProperty(list, out JsonElement ids) || ids.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (ids.ValueKind != JsonValueKind.Array || ids.EnumerateArray().Any(id => id.ValueKind != JsonValueKind.String))
            {
                problems.Add($"environment.NetworkConfiguration.{list} must be an array of strings");
                continue;
            }

            writer.WriteStartArray(list);
            foreach (JsonElement id in ids.EnumerateArray())
            {
                writer.WriteStringValue(id.GetString());
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteLogging(Utf8JsonWriter writer, JsonElement value, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"environment.LoggingConfiguration must be an object (got {value.ValueKind})");
            return;
        }

        writer.WriteStartObject("LoggingConfiguration");
        foreach (string module in LogModules)
        {
            if (!value.TryGetProperty(module, out JsonElement settings) || settings.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            // CreateEnvironment's ModuleLoggingConfigurationInput requires both members.
            if (settings.ValueKind != JsonValueKind.Object
                || !settings.TryGetProperty("Enabled", out JsonElement enabled) || enabled.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                || !settings.TryGetProperty("LogLevel", out JsonElement level) || level.ValueKind != JsonValueKind.String)
            {
                problems.Add($"environment.LoggingConfiguration.{module} must have Enabled (boolean) and LogLevel (string)");
                continue;
            }

            writer.WriteStartObject(module);
            writer.WriteBoolean("Enabled", enabled.GetBoolean());
            writer.WriteString("LogLevel", level.GetString());
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteStringMap(Utf8JsonWriter writer, string member, JsonElement value, List<string> problems, Func<string, bool> keep)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"environment.{member} must be an object of strings (got {value.ValueKind})");
            return;
        }

        var kept = value.EnumerateObject().Where(p => keep(p.Name)).ToList();
        if (kept.Any(p => p.Value.ValueKind != JsonValueKind.String))
        {
            problems.Add($"environment.{member} must be an object of strings");
            return;
        }

        if (kept.Count == 0 && member == "Tags")
        {
            return; // only aws: tags: nothing to give CreateEnvironment
        }

        writer.WriteStartObject(member);
        foreach (JsonProperty property in kept)
        {
            writer.WriteString(property.Name, property.Value.GetString());
        }

        writer.WriteEndObject();
    }
}
