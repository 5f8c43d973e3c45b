using System.Net.Http.Json;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Endpoints;

public sealed class InfoEndpointTests
{
    [Fact]
    public async Task The_configured_display_name_is_what_the_pages_show()
    {
        using var host = new SfuHost(new() { ["Sfu:DisplayName"] = "myroom" });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var info = await http.GetFromJsonAsync<JsonElement>("/api/info");
        Assert.Equal("myroom", info.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Without_configuration_the_product_name_is_shown()
    {
        using var host = new SfuHost();
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var info = await http.GetFromJsonAsync<JsonElement>("/api/info");
        Assert.Equal("DigitalWeRoom", info.GetProperty("displayName").GetString());
    }
}
