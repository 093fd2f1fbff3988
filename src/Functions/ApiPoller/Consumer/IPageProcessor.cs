using Patterns.Cdk.Functions.ApiPoller.Pages;

namespace Patterns.Cdk.Functions.ApiPoller.Consumer;

/// <summary>Processes one saved page. Throws when the page was not processed (the queue delivers it again).</summary>
internal interface IPageProcessor
{
    Task ProcessAsync(PagePointer page, CancellationToken cancellationToken);
}
