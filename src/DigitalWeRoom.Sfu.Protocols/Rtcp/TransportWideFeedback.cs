using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>One packet in a transport-wide feedback: received or not, and its receive delta in 250 µs ticks.</summary>
public readonly record struct TwccPacketStatus(ushort SequenceNumber, bool Received, int DeltaTicks);

/// <summary>A packet arrival to report: transport-wide sequence number and arrival time in microseconds.</summary>
public readonly record struct TwccArrival(ushort SequenceNumber, long ArrivalTimeMicros);

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
/// RTPFB FMT 15.
/// </summary>
/// <remarks>
/// <code>
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |
/// |          packet chunk         |         packet chunk          |
/// .                                                               .
/// |         packet chunk          |  recv delta   |  recv delta   |
/// .                                                               .
/// </code>
/// Symbols: 0 not received, 1 received with a 1-byte unsigned delta, 2 received with a 2-byte signed delta,
/// 3 reserved. Deltas are in 250 µs; the first is relative to reference time (64 ms units), each next one to
/// the previous received packet.
/// </remarks>
public readonly ref struct TransportWideFeedback
{
    public const int TicksPerMillisecond = 4;
    public const int MicrosecondsPerTick = 250;
    public const int MicrosecondsPerReferenceTime = 64_000;
    private const int FixedFciLength = 8;
    private readonly ReadOnlySpan<byte> _fci;

    private TransportWideFeedback(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<byte> fci, int receivedCount)
    {
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
        _fci = fci;
        ReceivedCount = receivedCount;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public ushort BaseSequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_fci);
    public int PacketStatusCount => BinaryPrimitives.ReadUInt16BigEndian(_fci[2..]);

    /// <summary>Signed 24-bit reference time in multiples of 64 ms.</summary>
    public int ReferenceTime => (int)(BinaryPrimitives.ReadUInt32BigEndian(_fci[4..]) & 0xFFFF_FF00) >> 8;

    public byte FeedbackPacketCount => _fci[7];
    public int ReceivedCount { get; }
    public long ReferenceTimeMicros => (long)ReferenceTime * MicrosecondsPerReferenceTime;

    public static bool TryParse(ReadOnlySpan<byte> packet, out TransportWideFeedback feedback, out DropReason reason)
    {
        feedback = default;
        if (!RtcpFeedback.TryParse(packet, RtcpPacketType.TransportLayerFeedback, (byte)TransportLayerFeedbackFormat.TransportWideCc, out uint sender, out uint media, out ReadOnlySpan<byte> fci, out reason))
        {
            return false;
        }
        if (fci.Length < FixedFciLength)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        if (!Decode(fci, default, out int receivedCount, out reason))
        {
            return false;
        }
        feedback = new TransportWideFeedback(sender, media, fci, receivedCount);
        return true;
    }

    /// <summary>Writes one entry per reported packet (up to the span's length); returns how many were written.</summary>
    public int CopyPackets(Span<TwccPacketStatus> destination)
    {
        Decode(_fci, destination, out _, out _);
        return Math.Min(destination.Length, PacketStatusCount);
    }

    /// <summary>
    /// Walks chunks and deltas, checking that every symbol is defined and every delta is inside the FCI; fills
    /// <paramref name="destination"/> as far as it reaches.
    /// </summary>
    private static bool Decode(ReadOnlySpan<byte> fci, Span<TwccPacketStatus> destination, out int receivedCount, out DropReason reason)
    {
        ushort baseSeq = BinaryPrimitives.ReadUInt16BigEndian(fci);
        int count = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        receivedCount = 0;

        // First pass: chunks, to find where the deltas start.
        int chunkPosition = FixedFciLength;
        int statuses = 0;
        int deltaBytes = 0;
        while (statuses < count)
        {
            if (chunkPosition + 2 > fci.Length)
            {
                reason = DropReason.RtcpBadLength;
                return false;
            }
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(fci[chunkPosition..]);
            chunkPosition += 2;
            int symbolsInChunk = SymbolCount(chunk);
            for (int k = 0; k < symbolsInChunk && statuses < count; k++, statuses++)
            {
                int symbol = Symbol(chunk, k);
                if (symbol == 3)
                {
                    // Symbol 11 is reserved (§3.1.1).
                    reason = DropReason.Malformed;
                    return false;
                }
                deltaBytes += symbol;
                receivedCount += symbol == 0 ? 0 : 1;
            }
        }
        if (chunkPosition + deltaBytes > fci.Length)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        reason = DropReason.None;
        if (destination.IsEmpty)
        {
            return true;
        }

        // Second pass: statuses with deltas.
        int deltaPosition = chunkPosition;
        int index = 0;
        for (int position = FixedFciLength; position < chunkPosition && index < destination.Length; position += 2)
        {
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(fci[position..]);
            int symbolsInChunk = SymbolCount(chunk);
            for (int k = 0; k < symbolsInChunk && index < count && index < destination.Length; k++, index++)
            {
                int symbol = Symbol(chunk, k);
                int delta = 0;
                if (symbol == 1)
                {
                    delta = fci[deltaPosition++];
                }
                else if (symbol == 2)
                {
                    delta = BinaryPrimitives.ReadInt16BigEndian(fci[deltaPosition..]);
                    deltaPosition += 2;
                }
                destination[index] = new TwccPacketStatus((ushort)(baseSeq + index), symbol != 0, delta);
            }
        }
        return true;
    }

    /// <summary>§3.1.3 run length chunk (T=0) or §3.1.4 status vector chunk (T=1, S selects 14×1-bit or 7×2-bit).</summary>
    private static int SymbolCount(ushort chunk) => (chunk & 0x8000) == 0 ? chunk & 0x1FFF : (chunk & 0x4000) == 0 ? 14 : 7;

    private static int Symbol(ushort chunk, int k) => (chunk & 0x8000) == 0
        ? (chunk >> 13) & 0x3
        : (chunk & 0x4000) == 0 ? (chunk >> (13 - k)) & 0x1 : (chunk >> (12 - (2 * k))) & 0x3;

    /// <summary>An upper bound on the length <see cref="Write"/> needs.</summary>
    public static int MaxLength(int statusCount, int receivedCount) =>
        RtcpFeedback.HeaderLength + FixedFciLength + (2 * ((statusCount + 6) / 7)) + (2 * receivedCount) + 3;

    /// <summary>
    /// Builds a feedback packet from arrivals ascending in RFC 1982 order. Packets between listed sequence numbers
    /// are reported lost. Stops before an arrival that is not newer than its predecessor or whose delta does not
    /// fit in 16 bits (<paramref name="packetsIncluded"/> says how many were used; send the rest in another).
    /// Returns the length, 0 if nothing was included or the destination is too small.
    /// </summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte feedbackPacketCount, ReadOnlySpan<TwccArrival> arrivals, out int packetsIncluded)
    {
        packetsIncluded = 0;
        if (arrivals.IsEmpty)
        {
            return 0;
        }
        ushort baseSeq = arrivals[0].SequenceNumber;
        long referenceTime = FloorDiv(arrivals[0].ArrivalTimeMicros, MicrosecondsPerReferenceTime);
        long previousTicks = referenceTime * (MicrosecondsPerReferenceTime / MicrosecondsPerTick);

        // Pass 1: how many arrivals fit (§3.1.5: deltas are at most 16 bits signed).
        int included = 0;
        for (int i = 0; i < arrivals.Length; i++)
        {
            long ticks = FloorDiv(arrivals[i].ArrivalTimeMicros, MicrosecondsPerTick);
            long delta = ticks - previousTicks;
            bool newer = i == 0 || Rtp.SerialNumber.IsNewer(arrivals[i].SequenceNumber, arrivals[i - 1].SequenceNumber);
            bool inSpan = (ushort)(arrivals[i].SequenceNumber - baseSeq) < ushort.MaxValue && (i == 0 || (ushort)(arrivals[i].SequenceNumber - baseSeq) > (ushort)(arrivals[i - 1].SequenceNumber - baseSeq));
            if (!newer || !inSpan || delta is < short.MinValue or > short.MaxValue)
            {
                break;
            }
            previousTicks = ticks;
            included++;
        }
        ReadOnlySpan<TwccArrival> used = arrivals[..included];
        int statusCount = (ushort)(used[^1].SequenceNumber - baseSeq) + 1;

        Span<byte> fci = destination.Length >= RtcpFeedback.HeaderLength + FixedFciLength ? destination[RtcpFeedback.HeaderLength..] : default;
        if (fci.IsEmpty)
        {
            return 0;
        }
        BinaryPrimitives.WriteUInt16BigEndian(fci, baseSeq);
        BinaryPrimitives.WriteUInt16BigEndian(fci[2..], (ushort)statusCount);
        BinaryPrimitives.WriteUInt32BigEndian(fci[4..], ((uint)referenceTime << 8) | feedbackPacketCount);

        // Pass 2: chunks, one symbol per sequence number from base to the last included.
        var encoder = new TwccChunkEncoder(fci, FixedFciLength);
        previousTicks = referenceTime * (MicrosecondsPerReferenceTime / MicrosecondsPerTick);
        int next = 0;
        for (int offset = 0; offset < statusCount; offset++)
        {
            int symbol = 0;
            if ((ushort)(used[next].SequenceNumber - baseSeq) == offset)
            {
                long ticks = FloorDiv(used[next].ArrivalTimeMicros, MicrosecondsPerTick);
                symbol = ticks - previousTicks is >= 0 and <= byte.MaxValue ? 1 : 2;
                previousTicks = ticks;
                next++;
            }
            if (!encoder.Add(symbol))
            {
                return 0;
            }
        }
        if (!encoder.Flush())
        {
            return 0;
        }

        // Pass 3: receive deltas.
        int position = encoder.Position;
        previousTicks = referenceTime * (MicrosecondsPerReferenceTime / MicrosecondsPerTick);
        foreach (TwccArrival arrival in used)
        {
            long ticks = FloorDiv(arrival.ArrivalTimeMicros, MicrosecondsPerTick);
            long delta = ticks - previousTicks;
            previousTicks = ticks;
            int size = delta is >= 0 and <= byte.MaxValue ? 1 : 2;
            if (position + size > fci.Length)
            {
                return 0;
            }
            if (size == 1)
            {
                fci[position] = (byte)delta;
            }
            else
            {
                BinaryPrimitives.WriteInt16BigEndian(fci[position..], (short)delta);
            }
            position += size;
        }

        // RFC 3550 §6.4.1 padding to a 32-bit boundary, last octet = count (as browsers send it).
        int unpadded = RtcpFeedback.HeaderLength + position;
        int length = (unpadded + 3) & ~3;
        if (length > destination.Length)
        {
            return 0;
        }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportLayerFeedback, (byte)TransportLayerFeedbackFormat.TransportWideCc, length, senderSsrc, mediaSsrc);
        if (length != unpadded)
        {
            destination[unpadded..length].Clear();
            destination[length - 1] = (byte)(length - unpadded);
            destination[0] |= 0x20;
        }
        packetsIncluded = included;
        return length;
    }

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : ((value + 1) / divisor) - 1;
}
