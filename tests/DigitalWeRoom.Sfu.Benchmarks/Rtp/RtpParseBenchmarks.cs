using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Benchmarks.Rtp;

/// <summary>
/// Parses a realistic Chromium-shaped video packet (one-byte extensions: mid, abs-send-time, transport-wide
/// sequence number) and reads all three extensions, as the receive path does for every packet.
/// </summary>
[MemoryDiagnoser]
public class RtpParseBenchmarks
{
    private const byte MidId = 4;
    private const byte AbsSendTimeId = 2;
    private const byte TwccId = 3;
    private static readonly RtpHeaderExtensionIds Ids = new(Mid: MidId, AbsSendTime: AbsSendTimeId, TransportWideSequenceNumber: TwccId);
    private byte[] _large = [];
    private byte[] _small = [];
    private byte[] _scratch = [];

    [GlobalSetup]
    public void Setup()
    {
        _large = Build(1200);
        _small = Build(120);
        _scratch = new byte[1500];
    }

    private static byte[] Build(int totalLength)
    {
        byte[] packet = new byte[totalLength];
        int length = RtpHeader.Write(packet, 96, false, 4242, 90_000, 0x1234_5678);
        var ext = new RtpHeaderExtensionWriter(packet, length, RtpExtensionForm.OneByte);
        Span<byte> value = stackalloc byte[3];
        ext.Add(AbsSendTimeId, value[..AbsSendTime.Write(value, 0x12_3456)]);
        ext.Add(TwccId, value[..TransportWideSequenceNumber.Write(value, 777)]);
        ext.Add(MidId, "0"u8);
        length = ext.Finish();
        new Random(42).NextBytes(packet.AsSpan(length));
        return packet;
    }

    [Benchmark]
    public long Parse1200() => ParseAndReadExtensions(_large);

    [Benchmark]
    public long Parse120() => ParseAndReadExtensions(_small);

    /// <summary>One pass over the extension block with the negotiated IDs, then decode the three values.</summary>
    [Benchmark]
    public long Parse1200KnownExtensions()
    {
        if (!RtpPacketView.TryParse(_large, out RtpPacketView view, out _))
        {
            return -1;
        }
        RtpKnownExtensions known = RtpKnownExtensions.Read(view, Ids);
        long sum = view.SequenceNumber + view.Payload.Length;
        sum += Mid.TryRead(known.Mid, out ReadOnlySpan<byte> mid) ? mid[0] : 0;
        sum += AbsSendTime.TryRead(known.AbsSendTime, out uint sendTime) ? sendTime : 0;
        sum += TransportWideSequenceNumber.TryRead(known.TransportWideSequenceNumber, out ushort seq) ? seq : 0;
        return sum;
    }

    /// <summary>The forwarder's per-subscriber rewrite: copy, then set seq, timestamp, SSRC and the TWCC number.</summary>
    [Benchmark]
    public long CopyAndRewrite1200()
    {
        _large.CopyTo(_scratch, 0);
        Span<byte> packet = _scratch.AsSpan(0, _large.Length);
        RtpHeader.SetSequenceNumber(packet, 1);
        RtpHeader.SetTimestamp(packet, 2);
        RtpHeader.SetSsrc(packet, 3);
        if (RtpPacketView.TryParse(packet, out RtpPacketView view, out _) && view.TryFindExtension(TwccId, out int offset, out int length))
        {
            return TransportWideSequenceNumber.Write(packet.Slice(offset, length), 4);
        }
        return -1;
    }

    private static long ParseAndReadExtensions(byte[] packet)
    {
        if (!RtpPacketView.TryParse(packet, out RtpPacketView view, out DropReason reason))
        {
            return -(long)reason;
        }
        long sum = view.SequenceNumber + view.Ssrc + view.Payload.Length;
        if (view.TryGetExtension(MidId, out ReadOnlySpan<byte> mid) && Mid.TryRead(mid, out ReadOnlySpan<byte> midText))
        {
            sum += midText[0];
        }
        if (view.TryGetExtension(AbsSendTimeId, out ReadOnlySpan<byte> ast) && AbsSendTime.TryRead(ast, out uint sendTime))
        {
            sum += sendTime;
        }
        if (view.TryGetExtension(TwccId, out ReadOnlySpan<byte> twcc) && TransportWideSequenceNumber.TryRead(twcc, out ushort seq))
        {
            sum += seq;
        }
        return sum;
    }
}
