namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>Why an ICE-TCP connection ended (a metric tag; explicit values are stable).</summary>
public enum TcpCloseReason : byte
{
    /// <summary>The peer closed or reset it.</summary>
    PeerClosed = 0,

    /// <summary>Over the total or per-address connection cap: refused at accept.</summary>
    Refused = 1,

    /// <summary>No STUN check with valid integrity within the ICE timeout (half-open, slow, idle).</summary>
    IceTimeout = 2,

    /// <summary>Something other than STUN before the connection was validated.</summary>
    Garbage = 3,

    /// <summary>A frame over the size limit before the connection was validated.</summary>
    Oversize = 4,

    /// <summary>Validated, then nothing received for the idle timeout.</summary>
    Idle = 5,

    /// <summary>Its transport closed or no longer owns the connection's tuple.</summary>
    TransportGone = 6,

    /// <summary>A socket error while sending.</summary>
    SendFailed = 7,

    /// <summary>The server shut down.</summary>
    Shutdown = 8,
}
