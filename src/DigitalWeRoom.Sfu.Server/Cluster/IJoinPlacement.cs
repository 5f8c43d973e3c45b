using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>Asked by the signaling connection before a join: null means "join here"; else the reply to send instead (a <c>redirect</c> or an error).</summary>
internal interface IJoinPlacement
{
    ValueTask<SignalMessage?> PlaceAsync(string room, string? token, string? messageId, CancellationToken cancellationToken);
}
