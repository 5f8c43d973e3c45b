using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A session's way back to its room: queues its offers, transport states and media callbacks in the room's internal
/// lane, so they run on the room loop. Ids are never reused, so a departed participant's calls find nobody.
/// </summary>
internal sealed class RoomSessionHost(Room room, string participantId) : ISfuSessionHost
{
    public void Send(SignalMessage message) => room.Post(new RoomCommand.SessionSend(participantId, message));

    public void ReportState(SfuSessionState state) => room.Post(new RoomCommand.SessionStateChanged(participantId, state));

    public void Post(Action action) => room.Post(new RoomCommand.SessionCallback(action));
}
