using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// Serves one HTML page from http://127.0.0.1:&lt;free port&gt;/ (or another local address, e.g. a client
/// namespace link's). A loopback origin is a secure context, so getUserMedia works there without TLS.
/// </summary>
internal sealed class LoopbackPageServer : IAsyncDisposable
{
    /// <summary>An empty page: enough for tests that drive RTCPeerConnection from scripts.</summary>
    public const string BlankPage = "<!doctype html><html><head><title>dwr interop</title></head><body></body></html>";

    private readonly HttpListener _listener = new();
    private readonly byte[] _page;
    private readonly Task _loop;

    public LoopbackPageServer(string html, string address = "127.0.0.1")
    {
        _page = Encoding.UTF8.GetBytes(html);
        int port;
        using (var probe = new TcpListener(IPAddress.Parse(address), 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        Url = $"http://{address}:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength64 = _page.Length;
            await context.Response.OutputStream.WriteAsync(_page);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
