using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Stamps the transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2) into a
/// packet the send loop owns (its scratch copy), in place, at the offset of the extension element with the
/// subscriber's negotiated id, and records the send in the estimator. Packets without that element (the publisher
/// did not send one with the same id) go out unstamped and are counted.
/// </summary>
internal sealed class TransportWideSequencer
{
    private readonly byte _extensionId;
    private ushort _next = 1;

    public TransportWideSequencer(byte extensionId, SendSideBandwidthEstimator estimator)
    {
        _extensionId = extensionId;
        Estimator = estimator;
    }

    public SendSideBandwidthEstimator Estimator { get; }

    public byte ExtensionId => _extensionId;

    public long Stamped { get; private set; }

    public long Unstamped { get; private set; }

    /// <summary>Writes the next sequence number into <paramref name="packet"/> if it has the element; returns whether it did.</summary>
    public bool TryStamp(Span<byte> packet, long sendTimeMicros) => TryStamp(packet, sendTimeMicros, 0);

    /// <summary>As <see cref="TryStamp(Span{byte}, long)"/>, for a packet of probe cluster <paramref name="probeCluster"/> (0: none).</summary>
    public bool TryStamp(Span<byte> packet, long sendTimeMicros, int probeCluster)
    {
        if (_extensionId == 0 || !RtpPacketView.TryParse(packet, out var view, out _)
            || !view.TryFindExtension(_extensionId, out int offset, out int length) || length != TransportWideSequenceNumber.Length)
        {
            Unstamped++;
            return false;
        }
        ushort sequence = _next++;
        BinaryPrimitives.WriteUInt16BigEndian(packet[offset..], sequence);
        Estimator.OnPacketSent(sequence, sendTimeMicros, packet.Length, probeCluster);
        Stamped++;
        return true;
    }
}
