using System.Text.Json;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Server.Options;

namespace DigitalWeRoom.Sfu.Server.Tests.Options;

/// <summary>
/// The start-up warning when a full room's SDP answers would not fit Sfu:Limits:MaxMessageBytes (a room of 60 needs
/// about 150 KiB; the default 64 KiB refuses answers from about 30 participants on, issue #16's large-meeting).
/// </summary>
public sealed class MessageSizeAdviceTests
{
    [Fact]
    public void The_default_limits_fit_a_full_room() => Assert.Null(MessageSizeAdvice.Warning(new LimitSettings()));

    [Fact]
    public void A_room_of_60_on_the_default_message_size_is_warned_about_with_the_value_to_set()
    {
        var limits = new LimitSettings { MaxParticipantsPerRoom = 60 };
        var warning = MessageSizeAdvice.Warning(limits);
        Assert.NotNull(warning);
        Assert.Contains("Sfu:Limits:MaxMessageBytes", warning, StringComparison.Ordinal);
        Assert.Contains(MessageSizeAdvice.RequiredBytes(60).ToString(System.Globalization.CultureInfo.InvariantCulture), warning, StringComparison.Ordinal);
        Assert.Null(MessageSizeAdvice.Warning(new LimitSettings { MaxParticipantsPerRoom = 60, MaxMessageBytes = MessageSizeAdvice.RequiredBytes(60) }));
    }

    /// <summary>
    /// The estimate is checked against the server's own offer for that room, sent as a JSON signaling message: a
    /// browser's answer mirrors the offer's m= sections and codecs without its SSRC lines, so it is no larger.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(60)]
    public void The_estimate_covers_the_servers_own_offer_for_that_room(int participants)
    {
        var tracks = Enumerable.Range(1, participants - 1)
            .SelectMany(i => new[] { Track($"p{i}-a", MediaKind.Audio), Track($"p{i}-v", MediaKind.Video) }).ToList();
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 7);
        string offer = negotiator.CreateOffer(new OfferRequest(true, true, false, tracks));
        int messageBytes = JsonSerializer.SerializeToUtf8Bytes(new { type = "answer", target = "server", sdp = offer }).Length;

        Assert.True(MessageSizeAdvice.RequiredBytes(participants) >= messageBytes,
            $"{participants} participants: the offer as a message is {messageBytes} bytes, the estimate {MessageSizeAdvice.RequiredBytes(participants)}");
    }

    private static LocalTransportParameters Local { get; } = new(
        "srvU", "serverpasswordserverpassword",
        "sha-256 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20",
        ["candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"]);

    private static SubscribedTrack Track(string id, MediaKind kind) => new(id, kind, "stream-" + id, "track-" + id, "cname-" + id);
}
