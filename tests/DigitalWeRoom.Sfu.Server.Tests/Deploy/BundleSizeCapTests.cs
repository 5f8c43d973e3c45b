using System.Net;
using System.Text;
using DigitalWeRoom.Sfu.Server.Deploy;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// Review finding 8: the 32 KiB cap of <c>POST /deploy/bundle</c> holds for a chunked body (no Content-Length), and
/// a refusal never repeats what was sent. Real Kestrel on loopback, so the body really arrives chunked.
/// </summary>
public sealed class BundleSizeCapTests
{
    private const string Marker = "ZZoversizeZZ";

    [Fact]
    public async Task A_chunked_body_over_the_cap_is_refused_with_413()
    {
        await using var host = new SfuHost();
        using var client = host.CreateClient();
        var body = Form(("size", Marker + new string('x', (int)DeployWidgetEndpoints.MaxRequestBytes)), ("location", "ghent"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/deploy/bundle") { Content = new ChunkedContent(body) };
        Assert.True(request.Content.Headers.ContentLength is null, "the request must go without Content-Length");
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.DoesNotContain(Marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_under_the_cap_is_read_and_answered()
    {
        await using var host = new SfuHost();
        using var client = host.CreateClient();
        var body = Form(("size", "small"), ("location", "ghent"), ("name", "myroom"), ("domain", "ava.tf"), ("ssh", "no"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/deploy/bundle") { Content = new ChunkedContent(body) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_refused_field_is_named_but_its_value_is_not_echoed()
    {
        await using var host = new SfuHost();
        using var client = host.CreateClient();
        var value = Marker + new string('y', 7_000); // four of them stay under the 32 KiB cap
        var body = Form(("size", value), ("location", value), ("name", "myroom"), ("domain", value), ("who_may_join", value), ("ssh", "no"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/deploy/bundle") { Content = new ChunkedContent(body) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Marker, text, StringComparison.Ordinal);
        foreach (var field in new[] { "size", "location", "domain", "who_may_join" })
        {
            Assert.Contains($"\"field\":\"{field}\"", text, StringComparison.Ordinal);
        }

        Assert.True(text.Length < 2000, $"the answer is {text.Length} characters");
    }

    private static byte[] Form(params (string Key, string Value)[] fields) =>
        Encoding.ASCII.GetBytes(string.Join('&', fields.Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")));

    /// <summary>A form body of unknown length: HttpClient sends it with Transfer-Encoding: chunked, in 4 KiB pieces.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _body;

        public ChunkedContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new("application/x-www-form-urlencoded");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _body.Length; offset += 4096)
            {
                await stream.WriteAsync(_body.AsMemory(offset, Math.Min(4096, _body.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
