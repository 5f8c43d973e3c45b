using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// <c>moderate</c> {action, target}: a participant whose token grants <c>roomAdmin</c> mutes or removes another one
/// with the Room API's own operator actions (docs/signaling.md "Room API"), run on the room's control loop.
/// </summary>
internal static class RoomModeration
{
    /// <summary>Runs the action in <paramref name="room"/> (null: the sender has not joined); the error to send back, if any.</summary>
    public static async Task<(string Code, string Reason)?> ApplyAsync(Room? room, bool isRoomAdmin, SignalMessage message)
    {
        if (room is null)
        {
            return (ErrorCodes.NotJoined, "join a room first");
        }

        if (!isRoomAdmin)
        {
            return (ErrorCodes.NotAllowed, "only a room admin (token grant roomAdmin) may mute or remove others");
        }

        var outcome = message.Action switch
        {
            ModerateActions.MuteAudio => await room.MuteAsync(message.Target!, null, "audio", muted: true),
            ModerateActions.MuteVideo => await room.MuteAsync(message.Target!, null, "video", muted: true),
            _ => await room.RemoveParticipantAsync(message.Target!, "removed by a room admin"),
        };
        return outcome == AdminOutcome.ParticipantNotFound ? (ErrorCodes.InvalidTarget, "no such participant in this room") : null;
    }
}
