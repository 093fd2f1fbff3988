using System.Diagnostics.CodeAnalysis;
using Patterns.Cdk.Functions.Shared;

// The workflows Catch and Retry on these exact names: the runtime loop reports an exception's type name as the
// Lambda errorType (RuntimeSupportStandIn/ErrorReport), so the classes carry the contract names, without the
// usual "Exception" suffix. Messages never carry DAG run conf, configuration values or secrets.
[assembly: SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "The type names are the errorType contract the MwaaScheduler workflows match (design section 3).", Scope = "namespaceanddescendants", Target = "~N:Patterns.Cdk.Functions.MwaaScheduler")]

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>The DAG (or its run) is not known to Airflow yet (a new DAG file not parsed): the workflow retries it.</summary>
public sealed class DagNotFound(string message) : Exception(message);

/// <summary>Airflow or MWAA refused the call (HTTP 401/403 from Airflow, or MWAA's AccessDeniedException).</summary>
public sealed class AirflowAccessDenied(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Airflow or MWAA is unavailable for now (5xx, RestApiServerException, throttling, timeouts): retried.</summary>
public sealed class AirflowUnavailable(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The environment cannot serve InvokeRestApi (it must be updated first, or its Airflow is older than 2.4.3).</summary>
public sealed class RestApiNotSupported(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The invocation's input can never work as it is (missing or malformed member, a path over 64 characters, another environment).
/// As <see cref="IExpectedBadInput"/>, it is reported on <c>/error</c> without stack frames: the message says what is wrong.
/// </summary>
public sealed class BadInput(string message, Exception? inner = null) : Exception(message, inner), IExpectedBadInput
{
    /// <inheritdoc/>
    public string Reason => Message;
}

/// <summary>A backup failed verification: the message lists every problem (names, counts, sizes; never contents).</summary>
public sealed class BackupVerificationFailed(string message) : Exception(message);

/// <summary>There is no verified backup to restore from (no <c>latest-verified.json</c>, or its backup is gone).</summary>
public sealed class NoVerifiedBackup(string message) : Exception(message);

/// <summary>Another execution holds the lock: the message names its operation, execution and expiry.</summary>
public sealed class LockHeld(string message) : Exception(message);
