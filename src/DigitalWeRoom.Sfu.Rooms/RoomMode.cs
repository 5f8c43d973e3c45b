namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// How media flows in a room. Transitions (<see cref="RoomModeMachine"/>, run on <see cref="Room"/>'s control loop):
/// <code>
///   Sfu ──(exactly 2, P2P allowed; immediately after 1→2, after BackToP2PDelay after 3→2)──▶ Switching
///   Switching ──(both report p2p-connected)──▶ PeerToPeer      (clients swap to P2P tracks, pause server senders)
///   Switching ──(p2p-failed or P2PConnectTimeout)──▶ Sfu       (stays until the membership changes)
///   PeerToPeer / Switching ──(a third joins, one leaves, p2p-failed)──▶ Sfu   (server path is already up)
/// </code>
/// </summary>
public enum RoomMode
{
    /// <summary>Media goes through the server (also the mode of a room with one participant).</summary>
    Sfu,

    /// <summary>The two participants are setting up their direct connection; media still goes through the server.</summary>
    Switching,

    /// <summary>The two participants talk browser to browser; their server connections stay up with senders paused.</summary>
    PeerToPeer,
}
