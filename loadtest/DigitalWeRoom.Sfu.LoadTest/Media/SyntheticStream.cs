using System.Buffers.Binary;
using System.Diagnostics;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.LoadTest.Media;

/// <summary>
/// One synthetic RTP stream (Opus-like audio or VP8-like video) of one publisher. <see cref="SendDue"/> writes every
/// packet whose time has come into one reused buffer and hands it to the sender, which protects it in place and sends
/// it before returning; nothing is allocated per packet. Video frames are sent as a burst of equal packets, the last
/// one with the marker bit; the first packet of a key frame carries a VP8 key-frame payload header (RFC 7741 §4.3)
/// so the server's key-frame detection sees it.
/// </summary>
internal sealed class SyntheticStream
{
    private readonly byte[] _buffer = new byte[PooledPacket.Capacity];
    private readonly MediaProfile _profile;
    private readonly long _intervalTicks;
    private readonly long _keyFrameEvery;
    private long _nextDue;
    private long _frame;
    private ushort _rtpSeq;
    private uint _rtpTimestamp;
    private volatile bool _keyFrameRequested = true;
    private readonly object _sendLock = new();
    private byte[][]? _history;
    private int[]? _historyLength;
    private byte[]? _retransmitBuffer;
    private volatile int _audioLevel = 127;
    private readonly SimulcastLayer? _layer;
    private ushort _pictureId;
    private volatile bool _active = true;
    private volatile bool _sendMidRid;
    private byte[] _midRidBlock = [];

    public SyntheticStream(int publisher, StreamKind kind, uint ssrc, MediaProfile profile, SimulcastLayer? layer = null, int layerIndex = -1)
    {
        Publisher = publisher;
        Kind = kind;
        Ssrc = ssrc;
        _profile = layer is null ? profile : profile.ForLayer(layer);
        _layer = layer;
        Layer = layer is null ? -1 : layerIndex;
        _pictureId = (ushort)(Random.Shared.Next() & 0x7FFF);
        int perSecond = kind == StreamKind.Audio ? 50 : profile.VideoFps;
        _intervalTicks = Stopwatch.Frequency / perSecond;
        _keyFrameEvery = Math.Max(1, (long)(profile.KeyFrameInterval.TotalSeconds * perSecond));
        _rtpSeq = (ushort)Random.Shared.Next();
        _rtpTimestamp = (uint)Random.Shared.Next();
        // Filler is left as is: it is encrypted in place each time, its content does not matter.
        Random.Shared.NextBytes(_buffer);
    }

    public int Publisher { get; }

    public StreamKind Kind { get; }

    public uint Ssrc { get; }

    /// <summary>Simulcast layer index (lowest 0), -1 when the stream is not a simulcast layer.</summary>
    public int Layer { get; }

    /// <summary>The layer's rid (RFC 8852), null when not simulcast.</summary>
    public string? Rid => _layer?.Rid;

    /// <summary>RTP bytes (header + payload, plain) sent so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>
    /// Whether frames are encoded (dynacast: the server's <c>layers</c> message). An inactive layer sends nothing; it
    /// starts again with a key frame, as an encoder does when an encoding is re-enabled.
    /// </summary>
    public bool Active
    {
        get => _active;
        set
        {
            if (value && !_active) _keyFrameRequested = true;
            _active = value;
        }
    }

    /// <summary>Whether the MID/RID extensions still go out (until an RTCP report block acknowledges the SSRC).</summary>
    public bool SendsMidRid => _sendMidRid;

    /// <summary>
    /// From now on every packet carries the MID (RFC 8843 §15) and, for a layer, the rid (RFC 8852) one-byte header
    /// extensions with the negotiated ids, until <see cref="Acknowledge"/> (libwebrtc stops once the receiver
    /// reported the SSRC; the server has bound it by then).
    /// </summary>
    public void UseMidRid(string mid, byte midId, byte ridId)
    {
        var elements = new List<byte>();
        if (midId is > 0 and < 15 && mid.Length is > 0 and <= 16)
        {
            elements.Add((byte)((midId << 4) | (mid.Length - 1)));
            elements.AddRange(System.Text.Encoding.ASCII.GetBytes(mid));
        }
        if (Rid is { } rid && ridId is > 0 and < 15)
        {
            elements.Add((byte)((ridId << 4) | (rid.Length - 1)));
            elements.AddRange(System.Text.Encoding.ASCII.GetBytes(rid));
        }
        while (elements.Count % 4 != 0) elements.Add(0);
        var block = new byte[4 + elements.Count];
        block[0] = 0xBE;
        block[1] = 0xDE;
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2), (ushort)(elements.Count / 4));
        elements.CopyTo(block, 4);
        lock (_sendLock)
        {
            _midRidBlock = elements.Count == 0 ? [] : block;
            _sendMidRid = elements.Count > 0;
        }
    }

    /// <summary>An RTCP report block named this SSRC: the receiver knows it, MID/RID stop.</summary>
    public void Acknowledge() => _sendMidRid = false;

    /// <summary>Next stamp sequence to send; the last one sent is this minus one.</summary>
    public long Sequence { get; private set; }

    public long LastSentSequence => Sequence - 1;

    public long PacketsSent => Sequence;

    public long SendFailures { get; private set; }

    public long SkippedFrames { get; private set; }

    public long KeyFramesSent { get; private set; }

    /// <summary>Packets sent again because a NACK asked for them (RFC 4585 §6.2.1).</summary>
    public long Retransmissions { get; private set; }

    /// <summary>Keeps the last <paramref name="packets"/> sent packets (plain) so NACKed ones can be sent again.</summary>
    public void EnableRetransmissions(int packets = 1024)
    {
        lock (_sendLock)
        {
            _history = new byte[packets][];
            _historyLength = new int[packets];
            _retransmitBuffer = new byte[PooledPacket.Capacity];
        }
    }

    /// <summary>Sends packet <paramref name="rtpSequence"/> again if it is still kept; false if not (or not enabled).</summary>
    public bool Retransmit(ushort rtpSequence, IRtpSink sink)
    {
        lock (_sendLock)
        {
            if (_history is null) return false;
            int slot = rtpSequence % _history.Length;
            byte[]? kept = _history[slot];
            int length = _historyLength![slot];
            if (kept is null || BinaryPrimitives.ReadUInt16BigEndian(kept.AsSpan(2)) != rtpSequence) return false;
            kept.AsSpan(0, length).CopyTo(_retransmitBuffer);
            if (!sink.TrySendRtp(_retransmitBuffer, length)) return false;
            Retransmissions++;
            return true;
        }
    }

    /// <summary>
    /// RFC 6464 level (-dBov, 0 loudest .. 127 silence) written into the audio-level extension of the next audio
    /// packets when <see cref="MediaProfile.AudioLevelExtensionId"/> is set; below 127 the V (voice) bit is set too.
    /// </summary>
    public byte AudioLevel
    {
        get => (byte)_audioLevel;
        set => _audioLevel = Math.Min((int)value, 127);
    }

    /// <summary>A PLI/FIR arrived: the next video frame is a key frame.</summary>
    public void RequestKeyFrame() => _keyFrameRequested = true;

    public void Start(long nowTicks) => _nextDue = nowTicks;

    /// <summary>Sends every frame due by <paramref name="nowTicks"/>; a sender that fell more than 10 frames behind skips ahead.</summary>
    public int SendDue(long nowTicks, IRtpSink sink)
    {
        int sent = 0;
        if (nowTicks - _nextDue > 10 * _intervalTicks)
        {
            long skip = ((nowTicks - _nextDue) / _intervalTicks) - 1;
            SkippedFrames += skip;
            _nextDue += skip * _intervalTicks;
            _frame += skip;
            _rtpTimestamp += (uint)(skip * (Kind == StreamKind.Audio ? 960 : 90_000 / _profile.VideoFps));
        }
        while (_nextDue <= nowTicks)
        {
            if (!_active)
            {
                _nextDue += _intervalTicks;
                _frame++;
                _rtpTimestamp += (uint)(Kind == StreamKind.Audio ? 960 : 90_000 / _profile.VideoFps);
                continue;
            }
            sent += Kind == StreamKind.Audio ? SendAudio(sink) : SendVideoFrame(sink);
            _nextDue += _intervalTicks;
            _frame++;
        }
        return sent;
    }

    private int SendAudio(IRtpSink sink)
    {
        int length = WriteHeader(MediaProfile.AudioPayloadType, marker: false);
        if (_profile.AudioLevelExtensionId != 0)
        {
            length += WriteAudioLevel(_buffer.AsSpan(length));
        }
        length += _profile.AudioPayloadBytes;
        new SyntheticStamp(Publisher, Kind, Sequence, Stopwatch.GetTimestamp(), false).Write(_buffer.AsSpan(0, length));
        Send(sink, length);
        _rtpTimestamp += 960;
        return 1;
    }

    private int SendVideoFrame(IRtpSink sink)
    {
        bool keyFrame = _keyFrameRequested || _frame % _keyFrameEvery == 0;
        _keyFrameRequested = false;
        if (keyFrame) KeyFramesSent++;
        int packets = _profile.VideoPacketsPerFrame;
        int payload = _profile.VideoPayloadBytes;
        bool pictureId = _profile.Vp8PictureId;
        for (int i = 0; i < packets; i++)
        {
            int header = WriteHeader(MediaProfile.VideoPayloadType, marker: i == packets - 1);
            Span<byte> p = _buffer.AsSpan(header, payload);
            // RFC 7741 §4.2 descriptor: S=1 on the first packet of the frame, partition 0; with X=1, I=1 and a 15-bit
            // PictureID (M=1) when asked for; then the VP8 payload header (§4.3): P bit 0 = key frame.
            int d = 1;
            p[0] = (byte)((pictureId ? 0x80 : 0x00) | (i == 0 ? 0x10 : 0x00));
            if (pictureId)
            {
                p[1] = 0x80;
                BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)(0x8000 | _pictureId));
                d = 4;
            }
            if (i == 0)
            {
                p[d] = keyFrame ? (byte)0x00 : (byte)0x01;
                p[d + 1] = 0;
                p[d + 2] = 0;
                if (keyFrame)
                {
                    // RFC 6386 §9.1: start code, then 14-bit width and height (little endian, scale 0).
                    p[d + 3] = 0x9D;
                    p[d + 4] = 0x01;
                    p[d + 5] = 0x2A;
                    BinaryPrimitives.WriteUInt16LittleEndian(p[(d + 6)..], (ushort)((_layer?.Width ?? 640) & 0x3FFF));
                    BinaryPrimitives.WriteUInt16LittleEndian(p[(d + 8)..], (ushort)((_layer?.Height ?? 480) & 0x3FFF));
                }
            }
            new SyntheticStamp(Publisher, Kind, Sequence, Stopwatch.GetTimestamp(), keyFrame && i == 0, Layer).Write(_buffer.AsSpan(0, header + payload));
            Send(sink, header + payload);
        }
        _rtpTimestamp += (uint)(90_000 / _profile.VideoFps);
        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        return packets;
    }

    private int WriteHeader(byte payloadType, bool marker)
    {
        Span<byte> h = _buffer;
        h[0] = 0x80;
        h[1] = (byte)(payloadType | (marker ? 0x80 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], _rtpSeq++);
        BinaryPrimitives.WriteUInt32BigEndian(h[4..], _rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(h[8..], Ssrc);
        if (_sendMidRid && _midRidBlock is { Length: > 0 } block && Kind == StreamKind.Video)
        {
            h[0] |= 0x10; // X bit (RFC 3550 §5.3.1), RFC 8285 §4.2 one-byte elements
            block.CopyTo(h[12..]);
            return 12 + block.Length;
        }
        return 12;
    }

    /// <summary>RFC 8285 §4.2 one-byte element block (0xBEDE, 1 word) holding RFC 6464 §3: V bit + 7-bit level.</summary>
    private int WriteAudioLevel(Span<byte> at)
    {
        _buffer[0] |= 0x10; // X bit
        int level = _audioLevel;
        at[0] = 0xBE;
        at[1] = 0xDE;
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], 1);
        at[4] = (byte)(_profile.AudioLevelExtensionId << 4); // length field 0 = 1 byte of data
        at[5] = (byte)((level < 127 ? 0x80 : 0) | level);
        at[6] = 0;
        at[7] = 0;
        return 8;
    }

    private void Send(IRtpSink sink, int length)
    {
        lock (_sendLock)
        {
            if (_history is not null)
            {
                // Kept before protection, which encrypts the buffer in place.
                int slot = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(2)) % _history.Length;
                _buffer.AsSpan(0, length).CopyTo(_history[slot] ??= new byte[PooledPacket.Capacity]);
                _historyLength![slot] = length;
            }
            if (!sink.TrySendRtp(_buffer, length))
            {
                SendFailures++;
            }
            else
            {
                BytesSent += length;
            }
        }
        Sequence++;
    }
}

/// <summary>Where a synthetic stream's packets go (the participant's ICE/DTLS/SRTP client).</summary>
internal interface IRtpSink
{
    /// <summary>Protects <paramref name="buffer"/>[..length] in place and sends it before returning.</summary>
    bool TrySendRtp(Span<byte> buffer, int length);
}
