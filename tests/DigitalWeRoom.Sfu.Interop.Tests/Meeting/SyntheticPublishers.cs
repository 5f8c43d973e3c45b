using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Load-generator participants in a meeting beside real Chromium pages: each joins room <see cref="Room"/> over the
/// real signaling (JSON /ws), answers the server's offers, connects with the ICE controlling client + DTLS + SRTP and
/// publishes synthetic Opus-sized audio (with the RFC 6464 audio-level extension when the profile says so) and
/// VP8-shaped video (not decodable: Chromium receives its packets but decodes no frames). Names are p{index}.
/// </summary>
internal sealed class SyntheticPublishers : IAsyncDisposable
{
    /// <summary>The room <see cref="ServerTarget"/> joins (room index 0).</summary>
    public const string Room = "loadtest0";

    private readonly ServerTarget _target;
    private readonly List<SyntheticParticipant> _participants = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _pacer = Task.CompletedTask;

    private SyntheticPublishers(ServerTarget target) => _target = target;

    public IReadOnlyList<SyntheticParticipant> Participants => _participants;

    public static async Task<SyntheticPublishers> JoinAsync(Uri baseUri, int count, int firstIndex, MediaProfile profile)
    {
        var ws = new UriBuilder(baseUri) { Scheme = baseUri.Scheme == "https" ? "wss" : "ws", Path = "/ws" }.Uri;
        var publishers = new SyntheticPublishers(new ServerTarget(ws, allowNetns: false, TimeSpan.FromSeconds(30)));
        for (var i = 0; i < count; i++)
        {
            var plan = new PlannedParticipant(firstIndex + i, 0, i, true, TimeSpan.Zero, null);
            var participant = new SyntheticParticipant(plan, profile, count);
            await publishers._target.JoinAsync(participant, CancellationToken.None);
            var now = Stopwatch.GetTimestamp();
            foreach (var stream in participant.Streams)
            {
                stream.Start(now);
            }

            lock (publishers._participants)
            {
                publishers._participants.Add(participant);
            }

            if (i == 0)
            {
                publishers._pacer = Task.Run(publishers.PaceAsync);
            }
        }

        return publishers;
    }

    /// <summary>One loop sends every stream's due packets every ~5 ms.</summary>
    private async Task PaceAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            SyntheticParticipant[] all;
            lock (_participants)
            {
                all = [.. _participants];
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var participant in all)
            {
                foreach (var stream in participant.Streams)
                {
                    stream.SendDue(now, participant);
                }
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pacer;
        await _target.DisposeAsync();
        _stop.Dispose();
    }
}
