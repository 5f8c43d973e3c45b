namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>What the server uses one m= section of a participant's connection for. Values are stable.</summary>
public enum SlotPurpose : byte
{
    /// <summary>The participant's microphone: the server offers recvonly.</summary>
    PublishAudio = 1,

    /// <summary>The participant's camera: the server offers recvonly.</summary>
    PublishVideo = 2,

    /// <summary>The participant's screen share: the server offers recvonly (video).</summary>
    PublishScreen = 3,

    /// <summary>A remote participant's track forwarded to this participant: the server offers sendonly.</summary>
    Subscribe = 4,
}
