using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// What one session publishes: a <see cref="PublishedTrack"/> per publish section the client sends on (by mid), its
/// producers in the room's router (a simulcast camera's layers from <see cref="SimulcastProducers"/>), the operator's
/// mutes and the publish permission. A microphone track feeds the room's speaker detector. Room loop only.
/// </summary>
internal sealed class PublishedTracks
{
    private readonly SfuRoomMedia _room;
    private readonly SfuSession _publisher;
    private readonly LastNForwarding _speakers;
    private readonly Dictionary<string, PublishedTrack> _byMid = [];
    private readonly OperatorMutes _operatorMutes = new();

    public PublishedTracks(SfuRoomMedia room, SfuSession publisher, LastNForwarding speakers)
    {
        _room = room;
        _publisher = publisher;
        _speakers = speakers;
    }

    /// <summary>False: the participant may not publish; sections it sends on get no producer.</summary>
    public bool CanPublish { get; set; } = true;

    public IReadOnlyCollection<PublishedTrack> Tracks => _byMid.Values;

    /// <summary>The published track whose lowest layer is <paramref name="lowest"/>; null if it is not this session's.</summary>
    public PublishedTrack? TrackOf(Producer lowest) =>
        lowest.Mid is { } mid && _byMid.TryGetValue(mid, out var track) && track.Lowest == lowest ? track : null;

    /// <summary>The operator muted or unmuted what this participant publishes of <paramref name="kind"/>.</summary>
    public void SetMuted(string kind, bool muted) => _operatorMutes.Set(kind, muted, _byMid.Values);

    /// <summary>Producers on <paramref name="transport"/> for the publish sections the client sends on. True when one was added.</summary>
    public bool Sync(NegotiationResult result, MediaTransport transport)
    {
        var changed = false;
        foreach (var media in result.Media)
        {
            if (!CanPublish || media.Purpose == SlotPurpose.Subscribe || !media.ClientSends || _byMid.ContainsKey(media.Mid) || media.Codecs.Count == 0)
            {
                continue;
            }

            var kind = media.Kind;
            var prefix = kind == MediaKind.Audio ? "audio/" : "video/";
            var codecs = media.Codecs.Select(c => new RtpCodec(c.PayloadType, prefix + c.Name, c.ClockRate)).ToArray();
            var stream = media.RemoteStreams.Count > 0 ? media.RemoteStreams[0] : null;
            Producer[] layers = kind == MediaKind.Video && media.RemoteRids.Count > 1 ? SimulcastProducers.Create(_room, _publisher, transport, media, codecs, media.RtxPayloadTypePairs(rtxFirst: true)) : [_room.Router.CreateProducer(transport, new ProducerOptions($"{_publisher.ParticipantId}-{media.Mid}", kind, stream?.Ssrc ?? 0, codecs)
            {
                RtxSsrc = stream?.RtxSsrc ?? 0,
                RtxPayloadTypes = media.RtxPayloadTypePairs(rtxFirst: true),
                Mid = media.Mid,
            })];
            var track = new PublishedTrack(layers[0].Id, kind, media.Purpose, layers);
            foreach (var layer in track.Layers)
            {
                layer.Paused = _operatorMutes.IsMuted(kind);
            }
            _byMid[media.Mid] = track;
            if (media.Purpose == SlotPurpose.PublishAudio)
            {
                _speakers.AttachSpeaker(track.Lowest);
            }

            changed = true;
        }

        return changed;
    }
}
