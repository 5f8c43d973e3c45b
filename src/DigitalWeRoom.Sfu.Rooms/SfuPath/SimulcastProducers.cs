using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Publisher side of simulcast: one <see cref="Producer"/> per rid of a camera section (RFC 8853), lowest first, the
/// lowest carrying the track id subscribers see; the track joins the room's dynacast. Stateless. Room loop.
/// </summary>
internal static class SimulcastProducers
{
    /// <summary>
    /// One producer per rid the client sends, ordered by the configured rids (lowest first). Nominal sizes halve per
    /// configured step below the top layer. Returns the layers, lowest (the track) first.
    /// </summary>
    public static Producer[] Create(SfuRoomMedia room, SfuSession publisher, MediaTransport transport, NegotiatedMedia media, RtpCodec[] codecs, (byte, byte)[] rtx)
    {
        var configured = room.Negotiation.CameraSimulcastRids;
        int IndexOf(string rid)
        {
            for (var i = 0; i < configured.Count; i++)
            {
                if (configured[i] == rid)
                {
                    return i;
                }
            }

            return configured.Count;
        }

        var rids = media.RemoteRids.OrderBy(IndexOf).ToArray();
        var settings = room.Simulcast;
        var trackId = $"{publisher.ParticipantId}-{media.Mid}";
        var layers = new Producer[rids.Length];
        for (var i = 0; i < rids.Length; i++)
        {
            var step = Math.Max(0, Math.Max(configured.Count, rids.Length) - 1 - Math.Min(IndexOf(rids[i]), Math.Max(configured.Count, rids.Length) - 1));
            layers[i] = room.Router.CreateProducer(transport, new ProducerOptions(i == 0 ? trackId : $"{trackId}-{rids[i]}", MediaKind.Video, 0, codecs)
            {
                RtxPayloadTypes = rtx,
                Mid = media.Mid,
                Rid = rids[i],
                Width = settings.TopWidth >> step,
                Height = settings.TopHeight >> step,
            });
        }

        room.AddSimulcastTrack(publisher, trackId, layers);
        return layers;
    }
}
