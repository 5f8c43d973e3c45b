namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A server session that takes the page's tile sizes (<c>video-size</c>) to choose simulcast layers. Implemented
/// next to <see cref="ISfuSession"/> by sessions that support it; called from the room's control loop.
/// </summary>
public interface ISimulcastSession
{
    /// <summary>The page shows the server track <paramref name="trackId"/> in a tile of <paramref name="width"/> x <paramref name="height"/> device pixels (0 x 0: hidden).</summary>
    void SetVideoSize(string trackId, int width, int height);
}
