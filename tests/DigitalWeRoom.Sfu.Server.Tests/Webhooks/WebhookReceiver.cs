using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Server.Tests.Webhooks;

/// <summary>An HTTP server on 127.0.0.1 (free port) that records webhook requests and answers with scripted status codes.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<int, int> _statusForRequest;
    private readonly SemaphoreSlim _received = new(0);
    private int _count;

    public sealed record Request(string? Authorization, string? ContentType, byte[] Body, int Status);

    private WebhookReceiver(WebApplication app, Func<int, int> statusForRequest)
    {
        _app = app;
        _statusForRequest = statusForRequest;
    }

    public ConcurrentQueue<Request> Requests { get; } = new();

    public string Url { get; private set; } = "";

    /// <summary>Set to hold every request until released (to fill the sender's queue).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public static async Task<WebhookReceiver> StartAsync(Func<int, int>? statusForRequest = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, statusForRequest ?? (_ => 200));
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address + "/hook";
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        int status = _statusForRequest(Interlocked.Increment(ref _count));
        Requests.Enqueue(new Request(context.Request.Headers.Authorization.ToString(), context.Request.ContentType, body.ToArray(), status));
        context.Response.StatusCode = status;
        _received.Release();
    }

    public async Task WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Requests.Count < count)
        {
            await _received.WaitAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Gate?.TrySetResult();
        await _app.DisposeAsync();
        _received.Dispose();
    }
}
