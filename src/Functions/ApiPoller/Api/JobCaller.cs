using System.Text.RegularExpressions;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Api;

/// <summary>
/// Who called the job API, as the principal a job is recorded against (<c>createdBy</c>) and compared with on reads.
/// With IAM authorization API Gateway puts the SigV4 caller in <c>requestContext.authorizer.iam.userArn</c>. An
/// assumed role's ARN names the session (<c>arn:aws:sts::111122223333:assumed-role/Role/session</c>); the principal
/// is the role (<c>arn:aws:sts::111122223333:assumed-role/Role</c>), so every session of a role is the same caller —
/// a Lambda function, a pod or a person whose session changed still reads its jobs. IAM users, root and federated
/// users are their ARN as given. Without IAM authorization there is no identity: every caller is
/// <see cref="Anonymous"/>, the same one.
/// </summary>
internal static partial class JobCaller
{
    /// <summary>The caller of a request without an IAM identity (an API deployed with <c>ApiAuthorization.None</c>).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>The principal of <paramref name="request"/>'s caller.</summary>
    public static string Of(HttpApiV2Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpApiV2Iam? iam = request.RequestContext.Authorizer?.Iam;
        if (iam?.UserArn is { Length: > 0 } arn)
        {
            return Principal(arn);
        }

        // callerId is "AROA...:session" for a role, "AIDA..." for a user: the part before the session names the principal.
        return iam?.CallerId is { Length: > 0 } callerId ? callerId.Split(':')[0] : Anonymous;
    }

    /// <summary>An ARN as a principal: an assumed-role session becomes its role; any other ARN stays as it is.</summary>
    public static string Principal(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        Match session = AssumedRoleSession().Match(arn);
        return session.Success ? session.Groups["role"].Value : arn;
    }

    [GeneratedRegex(@"^(?<role>arn:[a-z0-9-]+:sts::\d{12}:assumed-role/[^/]+)/[^/]+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex AssumedRoleSession();
}
