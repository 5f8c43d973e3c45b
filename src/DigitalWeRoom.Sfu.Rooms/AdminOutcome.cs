namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>What an operator command did (the Room API maps it to a status code).</summary>
public enum AdminOutcome
{
    Done,
    ParticipantNotFound,
    TrackNotFound,

    /// <summary>The room closed (emptied or was closed) before the command ran.</summary>
    RoomClosed,
}
