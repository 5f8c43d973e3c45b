using DigitalWeRoom.Sfu.LoadTest.Participants;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>An SFU the runner drives: joins and leaves synthetic participants and reports what it forwarded.</summary>
internal interface ILoadTarget : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The server process whose CPU and memory are sampled; null when unknown.</summary>
    int? ServerPid { get; }

    /// <summary>Packets the server says it forwarded so far, or -1 if it cannot tell (then subscribers' counts are used).</summary>
    Task<long> ReadForwardedPacketsAsync();

    /// <summary>
    /// Drops the server process counted so far by reason (its /metrics; empty when the target cannot tell): read at the
    /// run's start and end, so a run says whether its loss was dropped in the server or elsewhere.
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> ReadServerProcessDropsAsync() => Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>());

    /// <summary>Server-side drops by reason (empty when the target cannot tell).</summary>
    IReadOnlyDictionary<string, long> DropsByReason { get; }

    /// <summary>Connects the participant (signaling, ICE, DTLS, SRTP), publishes its streams and subscribes it to the room's publishers.</summary>
    Task JoinAsync(SyntheticParticipant participant, CancellationToken cancellationToken);

    Task LeaveAsync(SyntheticParticipant participant);
}
