using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// <c>moderate</c> {action, target}: a participant whose token grants <c>roomAdmin</c> mutes or removes another one
/// with the Room API's own operator actions (docs/signaling.md "Room API"), run on the room's control loop.
/// </summary>
internal sealed partial class SignalingConnection
{
    private async Task ModerateAsync(SignalMessage message)
    {
        if (_room is not { } room || _participantId is null)
        {
            SendError(ErrorCodes.NotJoined, "join a room first", message.Id);
            return;
        }

        if (!IsRoomAdmin)
        {
            SendError(ErrorCodes.NotAllowed, "only a room admin (token grant roomAdmin) may mute or remove others", message.Id);
            return;
        }

        var outcome = message.Action switch
        {
            ModerateActions.MuteAudio => await room.MuteAsync(message.Target!, null, "audio", muted: true),
            ModerateActions.MuteVideo => await room.MuteAsync(message.Target!, null, "video", muted: true),
            _ => await room.RemoveParticipantAsync(message.Target!, "removed by a room admin"),
        };
        if (outcome == AdminOutcome.ParticipantNotFound)
        {
            SendError(ErrorCodes.InvalidTarget, "no such participant in this room", message.Id);
        }
    }
}
