using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>
/// Graceful shutdown. SIGTERM (or SIGINT, or any host stop) starts the host's stopping phase, which waits
/// here before the web server stops: readiness fails (<see cref="DrainState"/>), joins are refused with
/// <c>server-draining</c>, every participant gets a <c>draining</c> message, and the wait lasts until the
/// rooms are empty or <see cref="SfuOptions.DrainTimeout"/> has passed. A second SIGTERM/SIGINT ends the
/// wait at once. Then the remaining signaling sockets are closed (<see cref="Closing"/>) and the process exits.
/// </summary>
internal sealed partial class DrainCoordinator(DrainState drain, RoomRegistry rooms, IOptions<SfuOptions> options, TimeProvider time,
    ILogger<DrainCoordinator> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stopNow = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _signalCount;

    /// <summary>Cancelled when the drain is over: signaling connections still open end then.</summary>
    public CancellationToken Closing => _closing.Token;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            // The host's console lifetime turns the first signal into a stop; these only notice the second.
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before the web server stops, so signaling stays up while participants leave.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.BeginShutdown("shutting down");
        var timeout = options.Value.DrainTimeout;
        var present = Participants();
        LogDraining(logger, present, timeout.TotalSeconds);
        if (present > 0 && timeout > TimeSpan.Zero)
        {
            var message = new SignalMessage
            {
                Type = MessageTypes.Draining,
                Reason = $"the server is shutting down; it closes in at most {timeout.TotalSeconds:0} s",
            };
            foreach (var room in rooms.Snapshot().Select(s => rooms.Find(s.Name)).OfType<Room>())
            {
                await room.NotifyAllAsync(message);
            }

            var started = time.GetTimestamp();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopNow.Token);
            wait.CancelAfter(timeout);
            try
            {
                while (Participants() > 0)
                {
                    await Task.Delay(PollInterval, time, wait.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Timeout, second signal or host timeout: close what is left.
            }

            LogDrained(logger, Participants(), time.GetElapsedTime(started).TotalSeconds, _stopNow.IsCancellationRequested);
        }

        await _closing.CancelAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }

        _stopNow.Dispose();
        _closing.Dispose();
    }

    private int Participants() => rooms.Snapshot().Sum(r => r.Participants.Count);

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signalCount) >= 2)
        {
            context.Cancel = true;
            LogSecondSignal(logger, context.Signal.ToString());
            _stopNow.Cancel();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain: {Participants} participants present; waiting up to {Seconds} s for them to leave (a second SIGTERM stops at once)")]
    private static partial void LogDraining(ILogger logger, int participants, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain over: {Participants} participants left behind after {Seconds:0.0} s (stopped by second signal: {Forced})")]
    private static partial void LogDrained(ILogger logger, int participants, double seconds, bool forced);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain: second {Signal}; stopping now")]
    private static partial void LogSecondSignal(ILogger logger, string signal);
}
