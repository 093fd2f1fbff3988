// TEMPORARY (up-handlers): delete this file when the up-handlers branch is merged. That branch adds the three entries
// below as static readonly fields of BundledHandlers (src/Constructs/Core/BundledHandler.cs) and builds
// private-upload-api.zip; a type's own members win over extension members, so the construct code compiles unchanged
// either way. Until then src/Constructs/Directory.Build.targets embeds a placeholder zip (not deployable).
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>TEMPORARY (up-handlers): the three bundled entry points of private-upload-api.zip, until BundledHandlers has them.</summary>
internal static class TemporaryPrivateUploadHandlers
{
    private const string Zip = "private-upload-api.zip";

    private static readonly BundledHandler Sessions = new(Zip, "UploadSessions");
    private static readonly BundledHandler Completer = new(Zip, "UploadCompleter");
    private static readonly BundledHandler Direct = new(Zip, "DirectUpload");

    /// <summary>TEMPORARY (up-handlers): the entries the tests add to <c>BundledHandlers.All</c> until the merge.</summary>
    public static IReadOnlyList<BundledHandler> Pending { get; } = [Sessions, Completer, Direct];

    extension(BundledHandlers)
    {
        /// <summary>TEMPORARY (up-handlers): POST /uploads, POST /uploads/{id}/parts, GET and DELETE /uploads/{id}.</summary>
        public static BundledHandler PrivateUploadSessions => Sessions;

        /// <summary>TEMPORARY (up-handlers): POST /uploads/{id}/complete.</summary>
        public static BundledHandler PrivateUploadCompleter => Completer;

        /// <summary>TEMPORARY (up-handlers): PUT /files/{fileName}.</summary>
        public static BundledHandler PrivateUploadDirect => Direct;
    }
}
