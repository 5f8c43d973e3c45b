using System.Text;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Tests.Webhooks;

public sealed class WebhookNotifierTests
{
    private static readonly Dictionary<string, string> Keys = new() { [RoomTokenServiceTests.Key] = RoomTokenServiceTests.Secret };

    private static WebhookNotifier Notifier(string url, int capacity = 100, int attempts = 4) =>
        new(Microsoft.Extensions.Options.Options.Create(new WebhookOptions
        {
            Urls = [url],
            QueueCapacity = capacity,
            MaxAttempts = attempts,
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(80),
            RequestTimeout = TimeSpan.FromSeconds(5),
        }), Microsoft.Extensions.Options.Options.Create(new AuthOptions { Keys = Keys }), TimeProvider.System, NullLogger<WebhookNotifier>.Instance);

    private static WebhookEvent Event(string name, int n = 0) =>
        new() { Event = name, CreatedAt = 1_700_000_000 + n, Room = new WebhookRoom("standup", n), Participant = new WebhookParticipant("p-" + n, "Ada") };

    [Fact]
    public async Task Delivers_a_signed_json_body_that_the_verifier_accepts()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using WebhookNotifier notifier = Notifier(receiver.Url);
        await notifier.StartAsync(CancellationToken.None);

        Assert.True(notifier.Enqueue(Event(WebhookEventNames.ParticipantJoined)));
        await receiver.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
        WebhookReceiver.Request request = Assert.Single(receiver.Requests);

        Assert.Equal("application/webhook+json", request.ContentType);
        using JsonDocument body = JsonDocument.Parse(request.Body);
        Assert.Equal("participant_joined", body.RootElement.GetProperty("event").GetString());
        Assert.Equal("standup", body.RootElement.GetProperty("room").GetProperty("name").GetString());
        Assert.Equal("p-0", body.RootElement.GetProperty("participant").GetProperty("id").GetString());

        Assert.True(WebhookSignature.Verify(request.Authorization, request.Body, Keys, DateTimeOffset.UtcNow, out string error), error);

        // The receiver's checks: a changed body, another secret, or an expired signature fail.
        byte[] tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request.Body).Replace("standup", "standuq", StringComparison.Ordinal));
        Assert.False(WebhookSignature.Verify(request.Authorization, tampered, Keys, DateTimeOffset.UtcNow, out error));
        Assert.Contains("sha256", error, StringComparison.Ordinal);
        var otherKeys = new Dictionary<string, string> { [RoomTokenServiceTests.Key] = "a-different-secret-of-enough-length-0123456789" };
        Assert.False(WebhookSignature.Verify(request.Authorization, request.Body, otherKeys, DateTimeOffset.UtcNow, out _));
        Assert.False(WebhookSignature.Verify(request.Authorization, request.Body, Keys, DateTimeOffset.UtcNow.AddMinutes(6), out error));
        Assert.Contains("expired", error, StringComparison.Ordinal);
        Assert.False(WebhookSignature.Verify(null, request.Body, Keys, DateTimeOffset.UtcNow, out _));

        await WaitUntilAsync(() => notifier.Delivered == 1);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Retries_after_a_500_with_the_same_event_id()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(n => n == 1 ? 500 : 204);
        using WebhookNotifier notifier = Notifier(receiver.Url);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Enqueue(Event(WebhookEventNames.RoomStarted));
        await receiver.WaitForRequestsAsync(2, TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => notifier.Delivered == 1);

        WebhookReceiver.Request[] requests = [.. receiver.Requests];
        Assert.Equal([500, 204], requests.Select(r => r.Status));
        Assert.Equal(
            JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("id").GetString(),
            JsonDocument.Parse(requests[1].Body).RootElement.GetProperty("id").GetString());
        Assert.Equal(2, notifier.Attempts);
        Assert.Equal(0, notifier.Failed);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Gives_up_after_max_attempts_and_goes_on_with_the_next_event()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(n => n <= 3 ? 503 : 200);
        using WebhookNotifier notifier = Notifier(receiver.Url, attempts: 3);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Enqueue(Event(WebhookEventNames.RoomStarted));
        notifier.Enqueue(Event(WebhookEventNames.RoomFinished));
        await receiver.WaitForRequestsAsync(4, TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => notifier.Delivered == 1);

        Assert.Equal(1, notifier.Failed);
        Assert.Equal(4, notifier.Attempts);
        Assert.Equal("room_finished", JsonDocument.Parse(receiver.Requests.Last().Body).RootElement.GetProperty("event").GetString());
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Full_queue_drops_the_oldest_and_never_blocks_the_caller()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using WebhookNotifier notifier = Notifier(receiver.Url, capacity: 4);

        // Not started yet: nothing drains the queue.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
        {
            Assert.True(notifier.Enqueue(Event(WebhookEventNames.ParticipantJoined, i)));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"enqueue took {clock.Elapsed}");
        Assert.Equal(6, notifier.Dropped);
        Assert.Equal(4, notifier.Pending);

        await notifier.StartAsync(CancellationToken.None);
        await receiver.WaitForRequestsAsync(4, TimeSpan.FromSeconds(10));
        Assert.Equal(["p-6", "p-7", "p-8", "p-9"],
            receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("participant").GetProperty("id").GetString()));
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Unreachable_receiver_is_retried_then_counted_as_failed()
    {
        using WebhookNotifier notifier = Notifier("http://127.0.0.1:1/hook", attempts: 2);
        await notifier.StartAsync(CancellationToken.None);
        notifier.Enqueue(Event(WebhookEventNames.RoomStarted));
        notifier.Enqueue(Event(WebhookEventNames.RoomFinished));
        await WaitUntilAsync(() => notifier.Failed == 2);
        Assert.Equal(4, notifier.Attempts);
        Assert.Equal(0, notifier.Delivered);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Without_urls_webhooks_are_off()
    {
        using var notifier = new WebhookNotifier(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()),
            Microsoft.Extensions.Options.Options.Create(new AuthOptions { Keys = Keys }), TimeProvider.System, NullLogger<WebhookNotifier>.Instance);
        Assert.False(notifier.Enabled);
        Assert.False(notifier.Enqueue(Event(WebhookEventNames.RoomStarted)));
    }

    [Fact]
    public void Urls_without_keys_or_bad_urls_fail_validation()
    {
        var noKeys = new WebhookOptionsValidator(Microsoft.Extensions.Options.Options.Create(new AuthOptions()));
        Assert.True(noKeys.Validate(null, new WebhookOptions { Urls = ["http://127.0.0.1:9/hook"] }).Failed);
        var withKeys = new WebhookOptionsValidator(Microsoft.Extensions.Options.Options.Create(new AuthOptions { Keys = Keys }));
        Assert.True(withKeys.Validate(null, new WebhookOptions { Urls = ["ftp://x/"] }).Failed);
        Assert.True(withKeys.Validate(null, new WebhookOptions { Urls = ["http://127.0.0.1:9/hook"] }).Succeeded);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }
}
