using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

/// <summary>Enum values appear in logs, metrics and messages: they must not move.</summary>
public sealed class NegotiationEnumTests
{
    [Fact]
    public void Wire_values_are_stable()
    {
        Assert.Equal([1, 2], Enum.GetValues<MediaKind>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4], Enum.GetValues<SlotPurpose>().Select(v => (int)v));
        Assert.Equal([0, 1], Enum.GetValues<DtlsRole>().Select(v => (int)v));
        Assert.Equal([0, 1, 2], Enum.GetValues<HeaderExtensionKinds>().Select(v => (int)v));
        Assert.Equal(64, (int)DropReason.SdpAnswerRejected);
        Assert.Equal(typeof(byte), Enum.GetUnderlyingType(typeof(SlotPurpose)));
    }
}
