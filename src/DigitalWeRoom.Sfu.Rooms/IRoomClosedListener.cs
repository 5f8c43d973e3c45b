namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>Told when a room has closed (emptied or closed by the operator); implemented by <see cref="RoomRegistry"/>.</summary>
internal interface IRoomClosedListener
{
    /// <summary>On the room's control loop, once.</summary>
    void OnRoomClosed(Room room);
}
