using Amazon.Runtime;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// An SDK client's HTTP pipeline through the shared fault layer (<see cref="FaultInjector"/>) straight to the emulator,
/// for the scenarios that build a handler's clients themselves (FaceBlur, ApiPoller, the upload API host) rather than through a
/// <see cref="SimulatedDeployment"/>'s counted clients.
/// </summary>
public sealed class FaultyHttpClientFactory(FaultInjector faults, string caller, string service) : HttpClientFactory
{
    private readonly Lazy<HttpClient> _client = new(() => new HttpClient(faults.CreateHandler(caller, service, new HttpClientHandler())));

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client.Value;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
}
