using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>Source configurations shared by the ApiPoller tests.</summary>
internal static class SourceSamples
{
    /// <summary>"orders" (PageNumber, parameters since/region/mode) and "feed" (Cursor, no parameters).</summary>
    public const string CatalogJson = """
        [
          {
            "name": "orders",
            "baseUrl": "https://partner.example.com/v1/orders",
            "pagination": "PageNumber",
            "pageSize": 100,
            "parameters": [
              { "name": "since", "pattern": "\\d{4}-\\d{2}-\\d{2}", "maxLength": 10, "required": true },
              { "name": "region", "maxLength": 8 },
              { "name": "mode", "pattern": "full|delta" }
            ]
          },
          {
            "name": "feed",
            "baseUrl": "http://127.0.0.1:8080/feed",
            "allowInsecureHttp": true,
            "pagination": "Cursor",
            "pageSize": 50
          }
        ]
        """;

    public static SourceCatalog Catalog { get; } = SourceCatalog.Parse(CatalogJson);

    public static SourceDefinition Orders => Catalog.Get("orders");

    public static SourceDefinition Feed => Catalog.Get("feed");
}
