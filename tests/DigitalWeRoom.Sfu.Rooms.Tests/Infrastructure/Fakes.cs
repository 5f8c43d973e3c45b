using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;

internal sealed class FakeConnection : IParticipantConnection
{
    private readonly ConcurrentQueue<SignalMessage> _sent = new();

    public IReadOnlyList<SignalMessage> Sent => [.. _sent];

    public bool TrySend(SignalMessage message)
    {
        _sent.Enqueue(message);
        return true;
    }

    public IReadOnlyList<SignalMessage> OfType(string type) => Sent.Where(m => m.Type == type).ToArray();

    public SignalMessage? LastMode => Sent.LastOrDefault(m => m.Type == MessageTypes.Mode);

    public void Clear() => _sent.Clear();

    public bool CanPublish { get; init; } = true;

    public bool CanSubscribe { get; init; } = true;

    public bool NameFromToken { get; init; }

    /// <summary>The code the room dismissed the participant with (removed, room closed, consent expired).</summary>
    public string? DisconnectedWith { get; private set; }

    public void Disconnect(string code, string reason)
    {
        TrySend(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason });
        DisconnectedWith = code;
    }
}

internal sealed class FakeMediaFactory : IMediaSessionFactory
{
    public ConcurrentDictionary<string, FakeSession> Sessions { get; } = new();

    public List<string> Rooms { get; } = [];

    /// <summary>Video codecs the rooms fixed (<see cref="IRoomMedia.UseVideoCodec"/>), in order.</summary>
    public List<string> VideoCodecs { get; } = [];

    public IRoomMedia CreateRoom(string roomName)
    {
        lock (Rooms)
        {
            Rooms.Add(roomName);
        }

        return new FakeRoomMedia(this);
    }

    private sealed class FakeRoomMedia(FakeMediaFactory factory) : IRoomMedia
    {
        public ISfuSession? CreateSession(string participantId, ISfuSessionHost host)
        {
            var session = new FakeSession(participantId, host);
            factory.Sessions[participantId] = session;
            host.Send(new SignalMessage { Type = MessageTypes.Offer, Sdp = "v=0\r\ns=server\r\n" });
            return session;
        }

        public void UseVideoCodec(string codec)
        {
            lock (factory.VideoCodecs)
            {
                factory.VideoCodecs.Add(codec);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

internal sealed class FakeSession(string participantId, ISfuSessionHost host) : ISfuSession
{
    public string ParticipantId { get; } = participantId;

    public ISfuSessionHost Host { get; } = host;

    public bool Forwarding { get; private set; } = true;

    public List<bool> ForwardingChanges { get; } = [];

    private readonly List<string> _subscriptions = [];

    public IReadOnlyList<string> Subscriptions => _subscriptions;

    public List<string> Answers { get; } = [];

    public bool Disposed { get; private set; }

    public string? ApplyAnswer(string sdp)
    {
        Answers.Add(sdp);
        return sdp.Contains("m=", StringComparison.Ordinal) ? null : "answer has no media sections";
    }

    public void AddRemoteCandidate(IceCandidateInfo candidate)
    {
    }

    public void SetSubscriptions(IReadOnlyList<string> publisherParticipantIds)
    {
        _subscriptions.Clear();
        _subscriptions.AddRange(publisherParticipantIds);
    }

    public void Subscribe(string publisherParticipantId) => _subscriptions.Add(publisherParticipantId);

    public void Unsubscribe(string publisherParticipantId) => _subscriptions.Remove(publisherParticipantId);

    public (bool CanPublish, bool CanSubscribe) Permissions { get; private set; } = (true, true);

    public void SetPermissions(bool canPublish, bool canSubscribe) => Permissions = (canPublish, canSubscribe);

    /// <summary>Kinds the operator muted (forwarding of this participant's publications stopped).</summary>
    public HashSet<string> MutedKinds { get; } = [];

    public void SetPublisherMuted(string kind, bool muted)
    {
        if (muted)
        {
            MutedKinds.Add(kind);
        }
        else
        {
            MutedKinds.Remove(kind);
        }
    }

    public List<(string[] Visible, string[] Pinned)> Views { get; } = [];

    public string? SetView(IReadOnlyList<string> visible, IReadOnlyList<string> pinned)
    {
        Views.Add(([.. visible], [.. pinned]));
        return null;
    }

    public void SetForwarding(bool enabled)
    {
        Forwarding = enabled;
        ForwardingChanges.Add(enabled);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
