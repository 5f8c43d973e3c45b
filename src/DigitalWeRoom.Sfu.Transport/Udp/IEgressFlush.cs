namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>A sender that holds what a thread's <see cref="EgressBatch"/> scope wrote and sends it when the scope ends.</summary>
internal interface IEgressFlush
{
    /// <summary>Sends what is held (never blocks).</summary>
    void Flush();
}
