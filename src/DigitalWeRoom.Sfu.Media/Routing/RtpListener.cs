using System.Text;
using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Maps incoming RTP of one publishing transport to its producers: by SSRC first (linear scan of a small
/// copy-on-write array, no lock, no allocation), else by MID (RFC 8843 §15) and RID (RFC 8852 §3) header extensions,
/// in which case the SSRC is bound so later packets take the fast path. Reads on the receive loop; writes under a lock.
/// </summary>
public sealed class RtpListener
{
    private readonly object _gate = new();
    private readonly RtpHeaderExtensionIds _extensions;
    private SsrcEntry[] _bySsrc = [];
    private Producer[] _byMidRid = [];

    public RtpListener(RtpHeaderExtensionIds extensions) => _extensions = extensions;

    private readonly record struct SsrcEntry(uint Ssrc, Producer Producer, bool IsRtx);

    public void Add(Producer producer)
    {
        lock (_gate)
        {
            if (producer.Ssrc != 0) Bind(producer.Ssrc, producer, isRtx: false);
            if (producer.RtxSsrc != 0) Bind(producer.RtxSsrc, producer, isRtx: true);
            if (producer.MidBytes.Length != 0)
            {
                Volatile.Write(ref _byMidRid, [.. _byMidRid, producer]);
            }
        }
    }

    public void Remove(Producer producer)
    {
        lock (_gate)
        {
            Volatile.Write(ref _bySsrc, Array.FindAll(_bySsrc, e => e.Producer != producer));
            Volatile.Write(ref _byMidRid, Array.FindAll(_byMidRid, p => p != producer));
        }
    }

    public bool TryResolve(in RtpPacketView view, out Producer producer, out bool isRtx)
    {
        uint ssrc = view.Ssrc;
        var entries = Volatile.Read(ref _bySsrc);
        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Ssrc == ssrc)
            {
                producer = entries[i].Producer;
                isRtx = entries[i].IsRtx;
                return true;
            }
        }
        return TryResolveByMidRid(view, out producer, out isRtx);
    }

    private bool TryResolveByMidRid(in RtpPacketView view, out Producer producer, out bool isRtx)
    {
        producer = null!;
        isRtx = false;
        var candidates = Volatile.Read(ref _byMidRid);
        if (candidates.Length == 0 || _extensions.Mid == 0 || !view.HasExtension)
        {
            return false;
        }
        var known = RtpKnownExtensions.Read(view, _extensions);
        var mid = known.Mid;
        if (mid.IsEmpty)
        {
            return false;
        }
        var rid = known.RtpStreamId;
        if (rid.IsEmpty && !known.RepairedRtpStreamId.IsEmpty)
        {
            rid = known.RepairedRtpStreamId;
            isRtx = true;
        }
        bool hasRid = !rid.IsEmpty;
        foreach (var candidate in candidates)
        {
            if (!mid.SequenceEqual(candidate.MidBytes)) continue;
            if (candidate.RidBytes.Length != 0 && (!hasRid || !rid.SequenceEqual(candidate.RidBytes))) continue;
            // Without a repaired-RID, RTX (RFC 4588) is told apart by its payload type (not one of the media codecs).
            isRtx |= !candidate.IsMediaPayloadType(view.PayloadType);
            lock (_gate)
            {
                if (!isRtx && candidate.Ssrc == 0) candidate.BindSsrc(view.Ssrc);
                Bind(view.Ssrc, candidate, isRtx);
            }
            producer = candidate;
            return true;
        }
        return false;
    }

    private void Bind(uint ssrc, Producer producer, bool isRtx)
    {
        var current = _bySsrc;
        foreach (var e in current)
        {
            if (e.Ssrc == ssrc) return;
        }
        Volatile.Write(ref _bySsrc, [.. current, new SsrcEntry(ssrc, producer, isRtx)]);
    }

    internal static byte[] ToBytes(string? value) => value is null ? [] : Encoding.ASCII.GetBytes(value);
}
