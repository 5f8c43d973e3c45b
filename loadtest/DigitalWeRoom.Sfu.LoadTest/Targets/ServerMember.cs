using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// One synthetic participant's signaling socket and media client as <see cref="ServerTarget"/> keeps them: the join's
/// progress, what the page shows (<see cref="TileMessages"/>), and its receiver-report timer (<see cref="SinkDetacher"/>).
/// </summary>
internal sealed class ServerMember(SyntheticParticipant participant, ClientWebSocket socket)
{
    private readonly SemaphoreSlim _send = new(1, 1);

    public SyntheticParticipant Participant { get; } = participant;

    public ClientWebSocket Socket { get; } = socket;

    public IceControllingClient? Client { get; set; }

    public Task? Loop { get; set; }

    /// <summary>The session's first message, read while following redirects; the receive loop handles it first.</summary>
    public JsonNode? First { get; set; }

    public Task? SizeLoop { get; set; }

    public Task? PingLoop { get; set; }

    public string? ParticipantId { get; set; }

    /// <summary>When the join began (Stopwatch ticks); <see cref="Step"/> records each step's first time since then.</summary>
    public long JoinStarted { get; init; }

    public void Step(JoinStep step)
    {
        ref double at = ref Participant.JoinSteps[(int)step];
        if (double.IsNaN(at)) at = System.Diagnostics.Stopwatch.GetElapsedTime(JoinStarted).TotalMilliseconds;
    }

    /// <summary>Sends this member's receiver reports (<see cref="SinkDetacher"/>) once connected.</summary>
    public ITimer? RtcpTimer { get; set; }

    /// <summary>Scratch for one RTCP compound plus its SRTCP trailer; also the lock that keeps reports in order.</summary>
    public byte[] RtcpBuffer { get; } = new byte[1500];

    /// <summary>Camera tracks received (server track ids), and those whose video-size is still to send; lock VideoTracks.</summary>
    public HashSet<string> VideoTracks { get; } = [];

    public SortedSet<string> PendingSizes { get; } = new(StringComparer.Ordinal);

    /// <summary>Participant ids last sent as <c>view.visible</c> (lock VideoTracks).</summary>
    public string[] Visible { get; set; } = [];

    public HashSet<string> AnsweredRids { get; } = [];

    public string? ServerUfrag { get; set; }

    public List<JsonNode> Messages { get; } = [];

    public TaskCompletionSource<WebRtcTransportState> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task SendAsync(JsonObject message, CancellationToken ct)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await Socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }
}

/// <summary>A member's media client events: join steps, connected/failed, and its RTP/RTCP to the participant.</summary>
internal sealed class MemberStateListener(ServerMember m) : IWebRtcTransportListener
{
    public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
        if (state == WebRtcTransportState.Checking) m.Step(JoinStep.IceChecked);
        if (state == WebRtcTransportState.Connected) m.Step(JoinStep.DtlsConnected);
        if (state >= WebRtcTransportState.Connected) m.Connected.TrySetResult(state);
    }

    public void OnRtp(WebRtcTransport transport, DigitalWeRoom.Sfu.Transport.Buffers.PooledPacket packet) => m.Participant.OnRtp(transport, packet);

    public void OnRtcp(WebRtcTransport transport, DigitalWeRoom.Sfu.Transport.Buffers.PooledPacket packet) => m.Participant.OnRtcp(transport, packet);
}

/// <summary>The participant's media sending side (<see cref="IParticipantConnection"/>) over its client.</summary>
internal sealed class MemberConnection(IceControllingClient client) : IParticipantConnection
{
    public bool TrySendRtp(Span<byte> buffer, int length) => client.TrySendRtp(buffer, length);

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
