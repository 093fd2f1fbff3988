namespace Patterns.Cdk.Functions.Shared;

/// <summary>Log levels, lowest first. Written as <c>DEBUG</c>, <c>INFO</c>, <c>WARN</c>, <c>ERROR</c>: the values Lambda's log-level filtering reads.</summary>
public enum LogLevel
{
    Debug,
    Info,
    Warn,
    Error,
}
