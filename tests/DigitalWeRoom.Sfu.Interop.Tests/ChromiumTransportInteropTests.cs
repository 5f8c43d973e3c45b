using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests;

/// <summary>
/// Chromium (fake camera and microphone) sends audio and video to our transport: ICE-lite, DTLS 1.2
/// passive with fingerprint check, SRTP decrypted and counted per SSRC. Run inside a namespace that
/// has only <c>lo</c> (test.sh does), so every check comes from 127.0.0.1.
/// </summary>
public sealed class ChromiumTransportInteropTests(ITestOutputHelper output)
{
    private const string GetOfferScript = """
        async () => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.pc = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
          const offer = await pc.createOffer();
          await pc.setLocalDescription(offer);
          return pc.localDescription.sdp;
        }
        """;

    [Fact]
    public async Task Chromium_connects_to_our_ice_lite_dtls_server_and_its_SRTP_audio_and_video_decrypt()
    {
        await using var page = new LoopbackPageServer(LoopbackPageServer.BlankPage);
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        await using var chromium = await Chromium.LaunchAsync();
        var tab = await Chromium.OpenPageAsync(chromium.Browser, page.Url);
        string offerText = await tab.EvaluateAsync<string>(GetOfferScript);

        Assert.True(SdpParser.TryParse(offerText, out SessionDescription offer, out SdpParseError error), error.ToString());
        MediaDescription audio = offer.Media.Single(m => m.Kind == "audio");
        MediaDescription video = offer.Media.Single(m => m.Kind == "video");
        SdpFingerprint remoteFingerprint = offer.FingerprintFor(audio)!;
        int opus = audio.FindCodec("opus")!.PayloadType;
        int vp8 = video.FindCodec("VP8")!.PayloadType;
        Assert.Equal(SdpSetup.ActPass, offer.SetupFor(audio));

        var listener = new CountingListener();
        WebRtcTransport transport = endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Server,
            RemoteFingerprint = CertificateFingerprint.FromSdp(remoteFingerprint),
            RemoteIceUfrag = offer.IceUfragFor(audio),
            RemoteIcePassword = offer.IcePwdFor(audio),
            Listener = listener,
        });
        string answer = BuildAnswer(transport, endpoint.Port, audio.Mid!, video.Mid!, opus, vp8);
        output.WriteLine(answer);
        await tab.EvaluateAsync("async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }", answer);

        var connectedBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string[] states = [];
        while (DateTime.UtcNow < connectedBy)
        {
            states = await tab.EvaluateAsync<string[]>("() => [window.pc.iceConnectionState, window.pc.connectionState]");
            if (states[1] is "connected" or "failed" && transport.State >= WebRtcTransportState.Connected)
            {
                break;
            }
            await Task.Delay(50);
        }
        output.WriteLine($"chromium ice={states[0]} pc={states[1]}; server {transport.State} dtls={transport.DtlsFailure} "
            + $"profile={transport.SrtpProfile} suite=0x{transport.DtlsCipherSuite:X4} group={transport.DtlsNamedGroup} drops={Describe(endpoint.Drops)}/{Describe(transport.Drops)}");
        Assert.Equal(WebRtcTransportState.Connected, transport.State);
        Assert.Equal(DtlsFailure.None, transport.DtlsFailure);
        // The server takes the client's first curve (RFC 8422 §5.1.1): Chromium lists X25519 first.
        Assert.Equal(Org.BouncyCastle.Tls.NamedGroup.x25519, transport.DtlsNamedGroup);
        Assert.Equal("connected", states[0]);
        Assert.Equal("connected", states[1]);

        // Media for up to 5 s: at least one audio and one video SSRC with > 20 authenticated packets each.
        var mediaBy = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < mediaBy && !(listener.MaxPackets(opus) > 20 && listener.MaxPackets(vp8) > 20))
        {
            await Task.Delay(100);
        }
        output.WriteLine("per SSRC: " + string.Join(", ", listener.BySsrc.Select(p => $"{p.Key:X8}/pt{p.Value.PayloadType}={p.Value.Count}"))
            + $"; rtcp={listener.RtcpCount}; srtp drops={Describe(transport.Drops)}");
        if (listener.MaxPackets(opus) <= 20 || listener.MaxPackets(vp8) <= 20)
        {
            output.WriteLine(await Chromium.StatsJsonAsync(tab, "pc"));
        }
        Assert.True(listener.MaxPackets(opus) > 20, "audio packets");
        Assert.True(listener.MaxPackets(vp8) > 20, "video packets");
        Assert.Equal(0, transport.Drops.Get(DropReason.SrtpAuthFailed));
        await tab.Context.CloseAsync();
    }

    private static string Describe(DropCounters drops) =>
        string.Join(",", Enum.GetValues<DropReason>().Where(r => drops.Get(r) > 0).Select(r => $"{r}={drops.Get(r)}"));

    /// <summary>An ICE-lite, passive, receive-only answer (RFC 8829 §5.3 shape, written by hand).</summary>
    private static string BuildAnswer(WebRtcTransport transport, int port, string audioMid, string videoMid, int opus, int vp8)
    {
        var sdp = new StringBuilder();
        void Line(string text) => sdp.Append(text).Append("\r\n");
        Line("v=0");
        Line("o=- 4611731400430051336 2 IN IP4 127.0.0.1");
        Line("s=-");
        Line("t=0 0");
        Line($"a=group:BUNDLE {audioMid} {videoMid}");
        Line("a=ice-lite");
        foreach (var (kind, mid, pt, codec) in new[] { ("audio", audioMid, opus, "opus/48000/2"), ("video", videoMid, vp8, "VP8/90000") })
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"m={kind} {port} UDP/TLS/RTP/SAVPF {pt}"));
            Line("c=IN IP4 127.0.0.1");
            Line("a=ice-ufrag:" + transport.LocalIceCredentials.Ufrag);
            Line("a=ice-pwd:" + transport.LocalIceCredentials.Password);
            Line("a=fingerprint:" + transport.LocalFingerprint);
            Line("a=setup:passive");
            Line("a=mid:" + mid);
            Line("a=recvonly");
            Line("a=rtcp-mux");
            Line(string.Create(CultureInfo.InvariantCulture, $"a=rtpmap:{pt} {codec}"));
            if (kind == "video")
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{pt} nack"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{pt} nack pli"));
            }
            foreach (var candidate in transport.LocalCandidates)
            {
                Line("a=" + candidate.ToSdpValue());
            }
            Line("a=end-of-candidates");
        }
        return sdp.ToString();
    }

    private sealed class CountingListener : IWebRtcTransportListener
    {
        private long _rtcp;

        public ConcurrentDictionary<uint, SsrcCount> BySsrc { get; } = new();

        public long RtcpCount => Interlocked.Read(ref _rtcp);

        public int MaxPackets(int payloadType) =>
            BySsrc.Values.Where(v => v.PayloadType == payloadType).Select(v => v.Count).DefaultIfEmpty(0).Max();

        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet)
        {
            ReadOnlySpan<byte> rtp = packet.Span;
            if (rtp.Length < 12 || rtp[0] >> 6 != 2)
            {
                return;
            }
            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(rtp[8..]);
            int payloadType = rtp[1] & 0x7F;
            var count = BySsrc.GetOrAdd(ssrc, _ => new SsrcCount(payloadType));
            Interlocked.Increment(ref count.Packets);
        }

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet) => Interlocked.Increment(ref _rtcp);
    }

    private sealed class SsrcCount(int payloadType)
    {
        public int Packets;

        public int PayloadType { get; } = payloadType;

        public int Count => Volatile.Read(ref Packets);
    }
}
