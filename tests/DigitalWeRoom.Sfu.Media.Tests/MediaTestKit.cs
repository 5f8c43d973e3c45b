using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Media.Tests;

/// <summary>Captures what a transport would send (plain bytes, before SRTP).</summary>
internal sealed class CapturingSender : IRtpPacketSender
{
    public List<byte[]> Rtp { get; } = [];

    public List<byte[]> Rtcp { get; } = [];

    public bool Accept { get; set; } = true;

    public bool TrySendRtp(Span<byte> buffer, int length)
    {
        Rtp.Add(buffer[..length].ToArray());
        return Accept;
    }

    public bool TrySendRtcp(Span<byte> buffer, int length)
    {
        Rtcp.Add(buffer[..length].ToArray());
        return Accept;
    }

    /// <summary>PLI packets (RFC 4585 §6.3.1) sent, as (sender SSRC, media SSRC).</summary>
    public List<(uint Sender, uint Media)> Plis()
    {
        var list = new List<(uint, uint)>();
        foreach (var p in Rtcp)
        {
            if (p.Length == 12 && p[1] == 206 && (p[0] & 0x1F) == 1)
            {
                list.Add((BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)), BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8))));
            }
        }
        return list;
    }
}

/// <summary>Counts sends and checks the buffer has SRTP room, without allocating (for the allocation test).</summary>
internal sealed class CountingSender : IRtpPacketSender
{
    public long RtpPackets;
    public long RtpBytes;
    public long Rtcp;
    public uint LastSsrc;
    public ushort LastSeq;

    public bool TrySendRtp(Span<byte> buffer, int length)
    {
        if (buffer.Length < length + Transport.Srtp.SrtpContext.MaxOverhead) throw new InvalidOperationException("no SRTP room");
        RtpPackets++;
        RtpBytes += length;
        LastSsrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        LastSeq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        return true;
    }

    public bool TrySendRtcp(Span<byte> buffer, int length)
    {
        Rtcp++;
        return true;
    }
}

internal static class MediaTestKit
{
    public static readonly RtpCodec Opus = new(111, "audio/opus", 48000);
    public static readonly RtpCodec Vp8 = new(96, "video/VP8", 90000);

    /// <summary>Router options for tests that drive time and sending themselves: no send loops, no RTCP report timer.</summary>
    public static readonly RouterOptions Quiet = new() { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero };

    /// <summary>
    /// A simulcast camera of <paramref name="publisher"/>: one VP8 producer per rid q, h, f (lowest first), SSRCs
    /// <paramref name="ssrcs"/>, nominal sizes 320x180 doubling per layer (RFC 8853 encodings scaled by 2).
    /// </summary>
    public static Producer[] CreateSimulcastLayers(Router router, MediaTransport publisher, uint[] ssrcs)
    {
        var layers = new Producer[ssrcs.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = router.CreateProducer(publisher, new ProducerOptions($"v{i}", MediaKind.Video, ssrcs[i], [Vp8])
            {
                Rid = "qhf"[i].ToString(),
                Width = 320 << i,
                Height = 180 << i,
            });
        }
        return layers;
    }

    public static (Router Router, FakeTimeProvider Time, PacketPool Pool) NewRouter(RouterOptions? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var pool = new PacketPool();
        var router = new Router("room", pool, time, options ?? new RouterOptions { StartSendLoops = false });
        return (router, time, pool);
    }

    /// <summary>Writes an RTP packet (RFC 3550 §5.1) into a rented packet; the caller owns the reference.</summary>
    public static PooledPacket Rtp(PacketPool pool, uint ssrc, ushort seq, uint timestamp, byte payloadType, ReadOnlySpan<byte> payload, bool marker = false, ReadOnlySpan<byte> extensionBlock = default)
    {
        var packet = pool.Rent();
        var b = packet.Buffer.AsSpan();
        b[0] = (byte)(0x80 | (extensionBlock.IsEmpty ? 0 : 0x10));
        b[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], ssrc);
        int offset = 12;
        if (!extensionBlock.IsEmpty)
        {
            extensionBlock.CopyTo(b[12..]);
            offset += extensionBlock.Length;
        }
        payload.CopyTo(b[offset..]);
        packet.Length = offset + payload.Length;
        return packet;
    }

    /// <summary>One-byte-header extension block (RFC 8285 §4.2) with the given elements, padded to 32 bits.</summary>
    public static byte[] OneByteExtensions(params (byte Id, byte[] Value)[] elements)
    {
        var body = new List<byte>();
        foreach (var (id, value) in elements)
        {
            body.Add((byte)((id << 4) | (value.Length - 1)));
            body.AddRange(value);
        }
        while (body.Count % 4 != 0) body.Add(0);
        var block = new byte[4 + body.Count];
        BinaryPrimitives.WriteUInt16BigEndian(block, 0xBEDE);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2), (ushort)(body.Count / 4));
        body.CopyTo(block, 4);
        return block;
    }

    /// <summary>Sends one packet through the router as a transport receive loop would (borrow, then release).</summary>
    public static void Deliver(Router router, MediaTransport from, PooledPacket packet)
    {
        router.OnRtp(from, packet);
        packet.Release();
    }

    public static void DeliverRtcp(Router router, MediaTransport from, PacketPool pool, ReadOnlySpan<byte> rtcp)
    {
        var packet = pool.Rent();
        rtcp.CopyTo(packet.Buffer);
        packet.Length = rtcp.Length;
        from.OnRtcp(packet);
        packet.Release();
    }

    /// <summary>VP8 payload (RFC 7741): descriptor with S=1, PID=0, then a payload header byte with P = !keyFrame.</summary>
    public static byte[] Vp8Payload(bool keyFrame, int size = 100)
    {
        var payload = new byte[size];
        payload[0] = 0x10; // S
        payload[1] = (byte)(keyFrame ? 0x00 : 0x01);
        for (int i = 2; i < size; i++) payload[i] = (byte)i;
        return payload;
    }

    /// <summary>PLI (RFC 4585 §6.3.1).</summary>
    public static byte[] Pli(uint sender, uint media)
    {
        var p = PayloadSpecificFeedback(fmt: 1, words: 2, sender);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), media);
        return p;
    }

    /// <summary>FIR with one entry, sequence number 1 (RFC 5104 §4.3.1).</summary>
    public static byte[] Fir(uint sender, uint media)
    {
        var p = PayloadSpecificFeedback(fmt: 4, words: 4, sender);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), media);
        p[16] = 1; // FIR seq nr
        return p;
    }

    /// <summary>An RTCP PSFB packet (PT 206, RFC 4585 §6.1) of <paramref name="words"/> + 1 32-bit words, media SSRC field 0.</summary>
    private static byte[] PayloadSpecificFeedback(int fmt, int words, uint sender)
    {
        var p = new byte[(words + 1) * 4];
        p[0] = (byte)(0x80 | fmt);
        p[1] = 206;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)words);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), sender);
        return p;
    }

    public static ushort Seq(byte[] rtp) => BinaryPrimitives.ReadUInt16BigEndian(rtp.AsSpan(2));

    public static uint Timestamp(byte[] rtp) => BinaryPrimitives.ReadUInt32BigEndian(rtp.AsSpan(4));

    public static uint Ssrc(byte[] rtp) => BinaryPrimitives.ReadUInt32BigEndian(rtp.AsSpan(8));

    /// <summary>
    /// Closes the router (retransmission buffers and key-frame caches hold references while it runs) and asserts
    /// every rented packet came back.
    /// </summary>
    public static void AssertNoLeakAfterClose(Router router, PacketPool pool)
    {
        DrainAll(router);
        router.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    public static void DrainAll(Router router)
    {
        foreach (var t in router.Transports) t.Outbound.DrainAvailable();
    }
}
