using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

/// <summary>
/// A meeting of 60 (issue #16's large-meeting): each connection carries 2 publish + 59 x 2 subscribe m= sections,
/// about 1 KiB each. The SDP limits must admit the server's own offer and a browser's answer to it: with a 64 KiB
/// parser the load generator (and any client on our parser) could not read offers past 33 participants, and with
/// 48 KiB in signaling the answers were refused ("answer has 0 m= sections").
/// </summary>
public sealed class LargeMeetingSdpTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(100)]
    public void Offer_and_answer_of_a_large_meeting_fit_the_limits(int participants)
    {
        var tracks = Enumerable.Range(1, participants - 1)
            .SelectMany(i => new[] { Track($"p{i}-a", MediaKind.Audio), Track($"p{i}-v", MediaKind.Video) }).ToList();
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 7);
        string offer = negotiator.CreateOffer(new OfferRequest(true, true, false, tracks));

        Assert.True(offer.Length > 64 * 1024, $"offer is {offer.Length} characters: the case the old 64 KiB limit refused");
        Assert.True(SdpParser.TryParse(offer, out var parsed, out var parseError), parseError.ToString());
        Assert.Equal(2 + (2 * (participants - 1)), parsed.Media.Count);

        string answer = For(negotiator);
        Assert.True(answer.Length > 48 * 1024, $"answer is {answer.Length} characters");
        var message = new SignalMessage { Type = MessageTypes.Answer, Target = "server", Sdp = answer };
        Assert.True(SignalingValidator.TryValidate(message, 1000, out _, out var reason), reason);
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        Assert.Equal(parsed.Media.Count, result.Media.Count);
    }

    [Fact]
    public void An_answer_past_the_parser_ceiling_is_still_refused()
    {
        string answer = "v=0\r\n" + new string('a', SignalingValidator.MaxSdpLength);
        var message = new SignalMessage { Type = MessageTypes.Answer, Target = "server", Sdp = answer };
        Assert.False(SignalingValidator.TryValidate(message, 1000, out var code, out _));
        Assert.Equal(ErrorCodes.InvalidSdp, code);
    }
}
