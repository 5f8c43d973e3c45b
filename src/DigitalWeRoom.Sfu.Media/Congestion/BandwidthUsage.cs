namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>Over-use detector signal (draft-ietf-rmcat-gcc-02 §5.4).</summary>
public enum BandwidthUsage : byte
{
    Normal = 0,
    Underusing = 1,
    Overusing = 2,
}
