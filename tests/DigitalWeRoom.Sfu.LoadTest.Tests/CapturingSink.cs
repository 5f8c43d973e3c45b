using DigitalWeRoom.Sfu.LoadTest.Media;

namespace DigitalWeRoom.Sfu.LoadTest.Tests;

/// <summary>Keeps a copy of every packet a synthetic stream sends (plain, before any protection).</summary>
internal sealed class CapturingSink : IRtpSink
{
    public List<byte[]> Packets { get; } = [];

    public bool TrySendRtp(Span<byte> buffer, int length)
    {
        Packets.Add(buffer[..length].ToArray());
        return true;
    }
}
