using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The SDP offer/answer state of one participant's single connection to the server (JSEP, RFC 8829).
/// The server is always the offerer, so there is no glare: <see cref="TryCreateOffer"/> turns the desired
/// publish slots and subscriptions into the next offer, <see cref="TryApplyAnswer"/> validates the page's
/// answer and extracts what the transport and the media Router need. One offer may be outstanding at a time.
/// Not thread-safe: owned by the participant's room control loop.
/// </summary>
public sealed class SfuNegotiator
{
    private readonly NegotiationOptions _options;
    private readonly AnswerInterpreter _answers;
    private LocalTransport _local;
    private readonly OutgoingSsrcAllocator _ssrcs;
    private readonly ulong _sessionId;
    private ulong _version;
    private List<MediaSlot> _slots = [];
    private List<MediaSlot>? _pending;

    public SfuNegotiator(NegotiationOptions options, LocalTransportParameters local, ulong seed)
    {
        if (options.Validate() is { } optionsError)
        {
            throw new ArgumentException(optionsError, nameof(options));
        }
        if (!local.TryParse(out var fingerprint, out var candidates, out var localError))
        {
            throw new ArgumentException(localError, nameof(local));
        }
        _options = options;
        _answers = new AnswerInterpreter(options);
        _local = new LocalTransport(local, fingerprint, candidates);
        _ssrcs = new OutgoingSsrcAllocator(seed);
        // o= sess-id: a positive 62-bit number derived from the seed (RFC 8866 §5.2, RFC 8829 §5.2.1).
        _sessionId = OutgoingSsrcAllocator.Mix(seed ^ 0x5DEECE66DUL) >> 2;
    }

    /// <summary>A negotiator seeded from the system CSPRNG.</summary>
    public static SfuNegotiator Create(NegotiationOptions options, LocalTransportParameters local) =>
        new(options, local, BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)));

    /// <summary>ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): the next offer carries these ice-ufrag/ice-pwd.</summary>
    public void SetLocalIce(string ufrag, string pwd)
    {
        var parameters = _local.Parameters with { IceUfrag = ufrag, IcePwd = pwd };
        if (!parameters.TryParse(out _, out _, out var error))
        {
            throw new ArgumentException(error, nameof(ufrag));
        }

        _local = _local with { Parameters = parameters };
    }

    /// <summary>The m= sections as last agreed (empty before the first answer).</summary>
    public IReadOnlyList<MediaSlot> Slots => _slots;

    /// <summary>The m= sections of the outstanding offer, or null when none is outstanding.</summary>
    public IReadOnlyList<MediaSlot>? PendingSlots => _pending;

    public bool HasPendingOffer => _pending is not null;

    /// <summary>The o= session version of the last offer written.</summary>
    public ulong Version => _version;

    /// <summary>What the last accepted answer said; null before the first one.</summary>
    public NegotiationResult? Current { get; private set; }

    /// <summary>Creates the next offer, or throws <see cref="InvalidOperationException"/> with the reason.</summary>
    public string CreateOffer(OfferRequest request)
    {
        if (!TryCreateOffer(request, out var sdp, out var error))
        {
            ThrowInvalidOperation(error);
        }
        return sdp;
    }

    /// <summary>
    /// Creates the next offer from the desired state. Existing m= sections keep their index and mid; a
    /// subscription that ended leaves its section inactive; a new subscription reuses an idle section of its
    /// kind (one that was already idle in the last agreed state) or appends one.
    /// </summary>
    public bool TryCreateOffer(OfferRequest request, out string sdp, out string error)
    {
        sdp = "";
        if (_pending is not null)
        {
            error = "an offer is already outstanding; apply its answer or roll it back first";
            return false;
        }
        if (!TryValidateRequest(request, out error))
        {
            return false;
        }

        var slots = new List<MediaSlot>(_slots);
        if (!EnsurePublishSlot(slots, SlotPurpose.PublishAudio, MediaKind.Audio, request.PublishAudio) ||
            !EnsurePublishSlot(slots, SlotPurpose.PublishVideo, MediaKind.Video, request.PublishVideo) ||
            !EnsurePublishSlot(slots, SlotPurpose.PublishScreen, MediaKind.Video, request.PublishScreen))
        {
            error = $"the connection would need more than {_options.MaxMediaSections} m= sections";
            return false;
        }

        var desired = request.Subscriptions.ToDictionary(t => t.TrackId, StringComparer.Ordinal);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            if (slot.Track is null)
            {
                continue;
            }
            if (desired.TryGetValue(slot.Track.TrackId, out var track) && !slot.Rejected && track.Kind == slot.Kind)
            {
                slots[i] = slot with { Track = track, Direction = SdpDirection.SendOnly };
                placed.Add(track.TrackId);
            }
            else
            {
                slots[i] = slot with { Track = null, Direction = SdpDirection.Inactive, LocalSsrc = 0, LocalRtxSsrc = 0 };
            }
        }

        // SSRCs allocated for an offer that fails or is rolled back stay reserved: harmless, and simpler.
        foreach (var track in request.Subscriptions)
        {
            if (placed.Contains(track.TrackId))
            {
                continue;
            }
            int reuse = -1;
            for (int i = 0; i < slots.Count; i++)
            {
                // Only a section that was idle in the agreed state is reused, so the page sees the old track
                // end in one negotiation and the new one start (ontrack) in a later one.
                if (slots[i].IsReusable && slots[i].Kind == track.Kind && i < _slots.Count && _slots[i].IsReusable)
                {
                    reuse = i;
                    break;
                }
            }
            if (reuse < 0 && slots.Count >= _options.MaxMediaSections)
            {
                error = $"the connection would need more than {_options.MaxMediaSections} m= sections";
                return false;
            }
            uint ssrc = _ssrcs.Allocate();
            uint rtxSsrc = 0;
            var probe = new MediaSlot(0, "", track.Kind, SlotPurpose.Subscribe, SdpDirection.SendOnly, track);
            if (SdpOfferWriter.OfferedCodecs(_options, probe).Any(c => c.RtxPayloadType is not null))
            {
                rtxSsrc = _ssrcs.Allocate();
            }
            if (reuse >= 0)
            {
                slots[reuse] = slots[reuse] with
                {
                    Track = track, Direction = SdpDirection.SendOnly, LocalSsrc = ssrc, LocalRtxSsrc = rtxSsrc,
                };
            }
            else
            {
                slots.Add(new MediaSlot(
                    slots.Count, MidFor(slots.Count), track.Kind, SlotPurpose.Subscribe, SdpDirection.SendOnly,
                    track, ssrc, rtxSsrc));
            }
            placed.Add(track.TrackId);
        }

        if (slots.Count > _options.MaxMediaSections)
        {
            error = $"the connection would need more than {_options.MaxMediaSections} m= sections";
            return false;
        }
        if (slots.Count == 0)
        {
            error = "nothing to negotiate: no publish slot and no subscription";
            return false;
        }

        _version++;
        _pending = slots;
        sdp = SdpOfferWriter.Write(_options, _local, _sessionId, _version, slots);
        return true;
    }

    /// <summary>Forgets the outstanding offer (e.g. the page never answered); the agreed state is unchanged.</summary>
    public void RollbackPendingOffer() => _pending = null;

    private bool TryValidateRequest(OfferRequest request, out string error)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var track in request.Subscriptions)
        {
            if (track.Validate() is { } trackError)
            {
                error = trackError;
                return false;
            }
            if (!seen.Add(track.TrackId))
            {
                error = $"subscription {track.TrackId} is listed twice";
                return false;
            }
            if (track.PayloadTypes is { } only &&
                !_options.Codecs.Any(c => c.Kind == track.Kind && only.Contains(c.PayloadType)))
            {
                error = $"subscription {track.TrackId}: none of its payload types is a configured {track.Kind.ToSdpName()} codec";
                return false;
            }
        }
        error = "";
        return true;
    }

    private bool EnsurePublishSlot(List<MediaSlot> slots, SlotPurpose purpose, MediaKind kind, bool wanted)
    {
        int index = slots.FindIndex(s => s.Purpose == purpose);
        if (index < 0)
        {
            if (wanted)
            {
                if (slots.Count >= _options.MaxMediaSections)
                {
                    return false;
                }
                slots.Add(new MediaSlot(slots.Count, MidFor(slots.Count), kind, purpose, SdpDirection.RecvOnly));
            }
            return true;
        }
        if (!slots[index].Rejected)
        {
            slots[index] = slots[index] with { Direction = wanted ? SdpDirection.RecvOnly : SdpDirection.Inactive };
        }
        return true;
    }

    /// <summary>
    /// Validates the page's answer to the outstanding offer (RFC 3264 §6, RFC 8829 §5.3) and, when it is
    /// acceptable, makes the offered slots the agreed state. On failure the offer stays outstanding and
    /// <paramref name="error"/> names the first problem. Total: never throws on any input.
    /// </summary>
    public bool TryApplyAnswer(string sdp, out NegotiationResult result, out string error) =>
        TryApplyAnswer(sdp, out result, out error, out _);

    /// <summary>
    /// As <see cref="TryApplyAnswer(string, out NegotiationResult, out string)"/>, also giving the
    /// <see cref="DropReason"/> to count a rejection under: <see cref="DropReason.TooLarge"/>,
    /// <see cref="DropReason.SdpMalformed"/> (syntax) or <see cref="DropReason.SdpAnswerRejected"/> (content).
    /// </summary>
    public bool TryApplyAnswer(string sdp, out NegotiationResult result, out string error, out DropReason reason)
    {
        result = null!;
        reason = DropReason.SdpAnswerRejected;
        if (_pending is null)
        {
            error = "no offer is outstanding";
            return false;
        }
        if (string.IsNullOrEmpty(sdp))
        {
            error = "answer is empty";
            reason = DropReason.SdpMalformed;
            return false;
        }
        if (sdp.Length > _options.MaxSdpLength)
        {
            error = $"answer is {sdp.Length} characters; the limit is {_options.MaxSdpLength}";
            reason = DropReason.TooLarge;
            return false;
        }
        if (!SdpParser.TryParse(sdp, out var answer, out var parseError))
        {
            error = "answer is not valid SDP: " + parseError.ToString();
            reason = parseError.DropReason;
            return false;
        }
        if (!_answers.TryInterpret(answer, _pending, out result, out error))
        {
            return false;
        }
        foreach (var media in result.Media)
        {
            foreach (var stream in media.RemoteStreams)
            {
                if (IsLocalSsrc(_pending, stream.Ssrc) || (stream.RtxSsrc is { } rtx && IsLocalSsrc(_pending, rtx)))
                {
                    error = $"mid {media.Mid}: client SSRC {stream.Ssrc} collides with an SSRC the server sends with";
                    result = null!;
                    return false;
                }
            }
        }
        foreach (var media in result.Media)
        {
            foreach (var stream in media.RemoteStreams)
            {
                _ssrcs.Reserve(stream.Ssrc);
                if (stream.RtxSsrc is { } rtxSsrc)
                {
                    _ssrcs.Reserve(rtxSsrc);
                }
            }
        }
        var agreed = _pending;
        foreach (var media in result.Media)
        {
            if (media.Rejected && !agreed[media.Index].Rejected)
            {
                // The page stopped this transceiver: the section stays port 0 for good (RFC 8829 §5.2.2).
                agreed[media.Index] = agreed[media.Index] with
                {
                    Rejected = true, Track = null, Direction = SdpDirection.Inactive, LocalSsrc = 0, LocalRtxSsrc = 0,
                };
            }
        }
        _slots = agreed;
        _pending = null;
        Current = result;
        reason = DropReason.None;
        return true;
    }

    private static bool IsLocalSsrc(List<MediaSlot> slots, uint ssrc) =>
        ssrc != 0 && slots.Exists(s => s.LocalSsrc == ssrc || s.LocalRtxSsrc == ssrc);

    private static string MidFor(int index) => index.ToString(CultureInfo.InvariantCulture);

    [DoesNotReturn]
    private static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);
}
