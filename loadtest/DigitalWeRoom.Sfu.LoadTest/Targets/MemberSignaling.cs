using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// A member's side of the signaling (docs/signaling.md, JSON over /ws) once joined: reads what the server sends,
/// answers every server offer (publish slots sendonly with our SSRCs, others' tracks recvonly) and starts the ICE
/// controlling client + DTLS client toward the server's ICE-lite candidate on the first one, follows dynacast
/// <c>layers</c>, and pings so the server's idle timeout never closes a quiet member.
/// </summary>
/// <param name="settings">The target whose client settings (consent, binding, pumps, message keeping) apply.</param>
internal sealed class MemberSignaling(ServerTarget settings, SinkDetacher sinks, TileMessages tiles, bool allowNetns)
{
    /// <summary>The largest signaling message read (the receive buffer grows to it).</summary>
    private const int MaxSignalingMessage = 4 * 1024 * 1024;

    public async Task ReceiveLoopAsync(ServerMember m)
    {
        // Grown on demand (an offer for a large meeting is big; most messages are tiny): a fixed 256 KiB per member
        // was 384 MB of generator memory at 1,500 subscribers.
        var buffer = new byte[16 * 1024];
        try
        {
            while (m.Socket.State == WebSocketState.Open)
            {
                JsonNode? msg = m.First;
                m.First = null;
                if (msg is null)
                {
                    int length = 0;
                    WebSocketReceiveResult r;
                    do
                    {
                        r = await m.Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false) is var vr
                            ? new WebSocketReceiveResult(vr.Count, vr.MessageType, vr.EndOfMessage) : throw new InvalidOperationException();
                        length += r.Count;
                        if (!r.EndOfMessage && length == buffer.Length && buffer.Length < MaxSignalingMessage) Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    while (!r.EndOfMessage && length < buffer.Length);
                    if (r.MessageType == WebSocketMessageType.Close) break;
                    // Every join sends participant-joined to every member (N² messages in a join storm): read only the
                    // type of those, and parse (and keep) the whole message only when it is acted on or kept for a test.
                    if (!settings.KeepMessages && ReadType(buffer.AsSpan(0, length)) is not ("joined" or "layers" or "offer" or "error")) continue;
                    msg = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length));
                }
                await OnMessageAsync(m, msg).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or System.Text.Json.JsonException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// <c>ping</c> every <see cref="ServerTarget.PingInterval"/>: the server disconnects a member that sent nothing for
    /// <c>Limits.IdleTimeout</c> (45 s), e.g. a publisher while hundreds of subscribers join after it.
    /// </summary>
    public async Task PingLoopAsync(ServerMember m)
    {
        try
        {
            while (m.Socket.State is WebSocketState.Open or WebSocketState.Connecting)
            {
                await Task.Delay(settings.PingInterval).ConfigureAwait(false);
                if (m.Socket.State != WebSocketState.Open) break;
                await m.SendAsync(new JsonObject { ["type"] = "ping" }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task OnMessageAsync(ServerMember m, JsonNode? msg)
    {
        string? type = msg?["type"]?.GetValue<string>();
        if (msg is not null && settings.KeepMessages)
        {
            lock (m.Messages) m.Messages.Add(msg);
        }
        if (type == "joined")
        {
            m.Step(JoinStep.Joined);
            m.ParticipantId = msg!["participantId"]?.GetValue<string>();
        }
        else if (type == "layers" && msg!["active"] is JsonArray active)
        {
            // Dynacast: encode only the listed rids (the page sets encodings[i].active).
            var rids = active.Select(a => a?.GetValue<string>()).ToHashSet();
            foreach (var layer in m.Participant.VideoLayers)
            {
                if (layer.Rid is not null && m.AnsweredRids.Contains(layer.Rid)) layer.Active = rids.Contains(layer.Rid);
            }
        }
        if (type == "offer" && msg!["from"]?.GetValue<string>() == "server")
        {
            m.Step(JoinStep.Offer);
            await OnOfferAsync(m, msg["sdp"]!.GetValue<string>()).ConfigureAwait(false);
        }
        else if (type == "error")
        {
            m.Participant.Error ??= $"server error: {msg!["code"]} {msg["reason"]}";
            m.Connected.TrySetResult(WebRtcTransportState.Failed);
        }
    }

    /// <summary>The top-level <c>type</c> of a signaling message without building it (null if absent or not JSON).</summary>
    private static string? ReadType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                bool isType = reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8);
                if (!reader.Read()) return null;
                if (isType) return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return null;
    }

    private async Task OnOfferAsync(ServerMember m, string sdp)
    {
        var offer = ClientSdp.Parse(sdp);
        if (m.Client is null)
        {
            if (!CertificateFingerprint.TryParse($"{offer.FingerprintAlgorithm} {offer.Fingerprint}", out var fingerprint) || fingerprint is null
                || offer.Candidates.FirstOrDefault(c => TargetPolicy.IsAllowed(c.Address, allowNetns, out _)) is not { } candidate)
            {
                m.Connected.TrySetResult(WebRtcTransportState.Failed);
                return;
            }
            var options = new IceControllingClientOptions
            {
                ServerUfrag = offer.Ufrag,
                ServerPassword = offer.Password,
                ServerEndPoint = candidate,
                ServerFingerprint = fingerprint,
                Listener = new MemberStateListener(m),
                Certificate = ServerTarget.ClientCertificate,
                ConsentInterval = settings.ConsentInterval,
                DtlsHandshakeNice = settings.DtlsHandshakeNice,
                // A sink stops reading once connected (SinkDetacher): it never sees the answers to its consent checks,
                // so its own 30 s consent timer would fail it mid-run; the server still gets every check.
                ConsentTimeout = m.Participant.Plan.Sink ? TimeSpan.FromDays(1) : settings.ConsentTimeout,
                BindAddress = settings.BindAddressFor?.Invoke(m.Participant),
                ReceiveThread = sinks.PumpFor(m.Participant) is null,
            };
            m.Client = settings.ClientScope is { } scope ? scope(m.Participant, () => IceControllingClient.Start(options)) : IceControllingClient.Start(options);
            sinks.PumpFor(m.Participant)?.Add(m.Client.Endpoint);
        }
        else if (m.ServerUfrag is not null && offer.Ufrag != m.ServerUfrag)
        {
            // New ice-ufrag/ice-pwd in the server's offer: its side of an ICE restart (RFC 8445 §9).
            m.Client.RestartIce(offer.Ufrag, offer.Password);
        }
        m.ServerUfrag = offer.Ufrag;
        var local = m.Client.Transport.LocalIceCredentials;
        var p = m.Participant;
        foreach (var s in offer.Sections)
        {
            if (s.Direction == "sendonly") p.Reception.Announce(s.Ssrc);
        }
        string answer = ClientSdp.ServerAnswer(offer, local.Ufrag, local.Password, ServerTarget.ClientCertificate.Fingerprint.ToSdpValue(), m.Client.Endpoint.LocalEndPoint,
            p.Audio?.Ssrc ?? 0, p.Video?.Ssrc ?? 0, p.Simulcast ? [.. p.VideoLayers.Select(v => v.Rid!)] : null, (section, rids) => UseSimulcast(m, section, rids));
        await m.SendAsync(new JsonObject { ["type"] = "answer", ["target"] = "server", ["sdp"] = answer }, CancellationToken.None).ConfigureAwait(false);
        if (p.TileFor is not null) await tiles.OnOfferAsync(m, offer).ConfigureAwait(false);
    }

    /// <summary>
    /// The camera section was answered with <paramref name="rids"/>: those layers carry MID + rid with the offered
    /// extension ids (once: later offers do not restart it), the others never send. No rid offered = no simulcast.
    /// </summary>
    private static void UseSimulcast(ServerMember m, ClientSdp.Section section, IReadOnlyList<string> rids)
    {
        if (rids.Count == 0)
        {
            m.Participant.Error ??= $"the server offered no simulcast rids on the camera section (mid {section.Mid})";
            m.Connected.TrySetResult(WebRtcTransportState.Failed);
            return;
        }
        if (m.AnsweredRids.Count > 0) return;
        section.Extmaps.TryGetValue(ClientSdp.MidUri, out byte midId);
        section.Extmaps.TryGetValue(ClientSdp.RidUri, out byte ridId);
        foreach (var layer in m.Participant.VideoLayers)
        {
            if (rids.Contains(layer.Rid!))
            {
                layer.UseMidRid(section.Mid, midId, ridId);
                m.AnsweredRids.Add(layer.Rid!);
            }
            else
            {
                layer.Active = false;
            }
        }
    }
}
