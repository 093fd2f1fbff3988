namespace Patterns.Cdk.Functions.Shared;

/// <summary>What a failure means for the record being processed.</summary>
public enum ErrorKind
{
    /// <summary>Worth retrying: throttling, 5xx, timeouts, network errors, and anything not classified otherwise.</summary>
    Transient,

    /// <summary>Retrying cannot help: set the input aside with the reason (<see cref="BadInputException"/>).</summary>
    BadInput,

    /// <summary>The object (or the requested version) no longer exists: a defined skip, not an error.</summary>
    ObjectGone,

    /// <summary>The object changed while it was being processed (a precondition failed): the newer upload has its own event.</summary>
    ObjectChanged,
}
