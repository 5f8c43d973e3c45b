using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Bandwidth probe packets (<see cref="Congestion.ProbeController"/>): padding-only RTP on a video's RTX stream
/// (RFC 4588 §4 sequence space; RFC 3550 §5.1 padding: P bit, the last octet counts the padding), carrying the
/// transport-wide sequence extension (one-byte header form, RFC 8285 §4.2) so transport-cc feedback reports them.
/// They bypass the pacer (the cluster is its own schedule) and the retransmission budget; the receiver discards them
/// after noting their arrival. Without an RTX stream that has sent media, the cluster is abandoned (the media
/// sequence space belongs to the publisher's receive loop, so no padding is injected there). Built in the scratch
/// buffer (the owning <see cref="TransportSender"/>'s, on its send loop): no allocation.
/// </summary>
internal sealed class ProbeSender : IDisposable
{
    /// <summary>RTP header (12) + one-byte extension block (4) + transport-wide sequence element (3, padded to 4).</summary>
    internal const int ProbeHeaderLength = 20;

    /// <summary>The sending thread's scratch buffer (<see cref="SendScratch"/>).</summary>
    private static byte[] Scratch => SendScratch.Current;
    private readonly IRtpPacketSender _transport;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly SubscriberBandwidth _bandwidth;
    private readonly TransportSender _sender;
    private ITimer? _probeTimer;
    private volatile bool _disposed;

    internal ProbeSender(IRtpPacketSender transport, MediaCounters counters, TimeProvider time, SubscriberBandwidth bandwidth, TransportSender sender)
    {
        _transport = transport;
        _counters = counters;
        _time = time;
        _bandwidth = bandwidth;
        _sender = sender;
    }

    /// <summary>Send loop: sends the probe packets due now on one of <paramref name="streams"/>, and arms the next wake-up.</summary>
    internal void SendProbes(RtpStreamSender[] streams)
    {
        long now = MediaClock.Convert(_time.GetTimestamp(), _time.TimestampFrequency, 1_000_000);
        var bandwidth = _bandwidth;
        var stream = FindProbeStream(streams);
        if (stream is null)
        {
            bandwidth.AbortProbe(now);
            return;
        }
        long nextDue = -1;
        while (bandwidth.TryNextProbePacket(now, out int cluster, out int size, out nextDue))
        {
            int length = WriteProbe(stream, size);
            bandwidth.TryStamp(Scratch.AsSpan(0, length), now, cluster);
            if (_transport.TrySendRtp(Scratch, length))
            {
                _counters.OnProbeSent(length);
            }
        }
        if (nextDue >= 0 && !_disposed)
        {
            // The wake-up goes through the sender's queue, so the probes are sent by the sender's owner again.
            _probeTimer ??= _time.CreateTimer(static state => ((TransportSender)state!).TryEnqueue(OutboundItem.ProbeTick()), _sender, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _probeTimer.Change(TimeSpan.FromMicroseconds(Math.Max(TransportSender.MinPacerDelayMicros, nextDue - now)), Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _probeTimer?.Dispose();
    }

    /// <summary>A video stream with RTX that has sent media (the receiver knows its RTX SSRC from the SDP).</summary>
    private static RtpStreamSender? FindProbeStream(RtpStreamSender[] streams)
    {
        foreach (var s in streams)
        {
            if (!s.IsAudio && s.RtxSsrc != 0 && s.RtxPayloadTypes.Count > 0 && s.HasSent) return s;
        }
        return null;
    }

    private int WriteProbe(RtpStreamSender stream, int size)
    {
        int padding = Math.Clamp(size - ProbeHeaderLength, 1, 255);
        var p = Scratch.AsSpan(0, ProbeHeaderLength + padding);
        p.Clear();
        p[0] = 0x80 | 0x20 | 0x10; // V=2, P, X
        p[1] = stream.RtxPayloadTypes[0].Rtx;
        ushort seq = stream.NextRtxSequenceNumber;
        stream.NextRtxSequenceNumber = (ushort)(seq + 1);
        RtpHeader.SetSequenceNumber(p, seq);
        RtpHeader.SetTimestamp(p, stream.LastRtpTimestamp);
        RtpHeader.SetSsrc(p, stream.RtxSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(p[12..], 0xBEDE);
        BinaryPrimitives.WriteUInt16BigEndian(p[14..], 1); // one 32-bit word of elements
        p[16] = (byte)((_bandwidth.ExtensionId << 4) | 1); // id, length - 1 = 1
        p[^1] = (byte)padding;
        return p.Length;
    }
}
