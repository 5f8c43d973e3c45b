namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>Told when a room's media has been disposed (implemented by <see cref="SfuMediaHost"/>, which tracks open rooms).</summary>
public interface IRoomMediaClosedListener
{
    void OnRoomMediaClosed(SfuRoomMedia room);
}
