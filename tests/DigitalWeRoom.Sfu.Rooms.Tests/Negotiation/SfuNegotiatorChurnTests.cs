using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

public sealed class SfuNegotiatorChurnTests
{
    /// <summary>
    /// 1,000 rounds of random joins and leaves (up to 12 of a pool of 24 tracks at once): every round's offer
    /// keeps every earlier section's index, mid, kind and purpose; every wanted track is in exactly one
    /// sendonly section; SSRCs are unique; the answer applies; sections are reused, so the count stays bounded.
    /// </summary>
    [Fact]
    public void Random_subscription_churn_keeps_the_invariants()
    {
        var pool = Enumerable.Range(0, 24)
            .Select(i => Track("t" + i, i % 3 == 0 ? MediaKind.Audio : MediaKind.Video)).ToArray();
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 77);
        var random = new Random(4242);
        var previous = new List<MediaSlot>();
        for (int round = 0; round < 1000; round++)
        {
            var wanted = pool.Where(_ => random.Next(4) == 0).Take(12).OrderBy(_ => random.Next()).ToArray();
            negotiator.CreateOffer(new OfferRequest(true, true, round % 7 == 0, wanted));
            var slots = negotiator.PendingSlots!;

            for (int i = 0; i < slots.Count; i++)
            {
                Assert.Equal(i, slots[i].Index);
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), slots[i].Mid);
            }
            for (int i = 0; i < previous.Count; i++)
            {
                Assert.Equal((previous[i].Kind, previous[i].Purpose), (slots[i].Kind, slots[i].Purpose));
            }
            foreach (var track in wanted)
            {
                var carrying = Assert.Single(slots, s => s.Track?.TrackId == track.TrackId);
                Assert.Equal((SdpDirection.SendOnly, track.Kind), (carrying.Direction, carrying.Kind));
                Assert.NotEqual(0u, carrying.LocalSsrc);
            }
            Assert.All(slots.Where(s => s.Purpose == SlotPurpose.Subscribe && s.Track is null), s => Assert.Equal(SdpDirection.Inactive, s.Direction));
            var ssrcs = slots.SelectMany(s => new[] { s.LocalSsrc, s.LocalRtxSsrc }).Where(s => s != 0).ToList();
            Assert.Equal(ssrcs.Count, ssrcs.Distinct().Count());
            // Reuse bound: a section only becomes free after an answered round, so at most two rounds' worth.
            Assert.True(slots.Count <= 3 + 24, $"round {round}: {slots.Count} sections");

            Assert.True(negotiator.TryApplyAnswer(For(negotiator), out var result, out var error), $"round {round}: {error}");
            Assert.Equal(slots.Count, result.Media.Count);
            previous = [.. negotiator.Slots];
        }
    }
}
