using System.Text;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

public sealed class SfuNegotiatorRobustnessTests
{
    /// <summary>
    /// 100,000 truncated, bit-flipped, line-dropped, line-duplicated and spliced variants of a valid answer:
    /// no exception escapes, every rejection carries an error, and an accepted variant yields a complete result.
    /// </summary>
    [Fact]
    public void Mutated_answers_never_throw_and_every_rejection_says_why()
    {
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 3);
        negotiator.CreateOffer(new OfferRequest(true, true, false, [Track("v1", MediaKind.Video)]));
        var valid = For(negotiator);
        var lines = Lines(valid);
        var random = new Random(20261124);
        int accepted = 0;
        var reasons = new int[256];
        int rejected = 0;
        for (int i = 0; i < 100_000; i++)
        {
            var variant = Mutate(valid, lines, random);
            bool ok;
            NegotiationResult result;
            string error;
            DropReason reason;
            try
            {
                ok = negotiator.TryApplyAnswer(variant, out result, out error, out reason);
            }
            catch (Exception e)
            {
                Assert.Fail($"variant {i} threw {e.GetType().Name}: {e.Message}\n{variant}");
                return;
            }
            if (ok)
            {
                accepted++;
                Assert.Equal(3, result.Media.Count);
                Assert.NotNull(result.RemoteFingerprint);
                Assert.False(string.IsNullOrEmpty(result.RemoteIceUfrag));
                // Put the offer back so that every variant is checked against the same offer.
                negotiator.CreateOffer(new OfferRequest(true, true, false, [Track("v1", MediaKind.Video)]));
                valid = For(negotiator);
                lines = Lines(valid);
            }
            else
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(error), $"variant {i} was rejected without a reason");
                Assert.True(reason is DropReason.SdpMalformed or DropReason.TooLarge or DropReason.SdpAnswerRejected, $"variant {i}: {reason}");
                reasons[(int)reason]++;
            }
        }
        Assert.Equal(rejected, reasons[(int)DropReason.SdpMalformed] + reasons[(int)DropReason.TooLarge] + reasons[(int)DropReason.SdpAnswerRejected]);
        Assert.True(reasons[(int)DropReason.SdpMalformed] > 0 && reasons[(int)DropReason.SdpAnswerRejected] > 0);
        Assert.True(rejected > 50_000, $"only {rejected} of 100000 variants were rejected");
        Assert.True(accepted > 0, "no variant was accepted; the mutations are too destructive to test acceptance paths");
    }

    private static string Mutate(string valid, string[] lines, Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                return valid[..random.Next(valid.Length)];
            case 1:
            {
                var chars = valid.ToCharArray();
                int flips = 1 + random.Next(4);
                for (int f = 0; f < flips; f++)
                {
                    int at = random.Next(chars.Length);
                    chars[at] = (char)(chars[at] ^ (1 << random.Next(7)));
                }
                return new string(chars);
            }
            case 2:
            {
                int drop = random.Next(lines.Length);
                return string.Join("\r\n", lines.Where((_, index) => index != drop)) + "\r\n";
            }
            case 3:
            {
                var list = lines.ToList();
                int at = random.Next(list.Count);
                list.Insert(random.Next(list.Count), list[at]);
                return string.Join("\r\n", list) + "\r\n";
            }
            case 4:
            {
                var sb = new StringBuilder(valid);
                int count = 1 + random.Next(8);
                for (int k = 0; k < count; k++)
                {
                    sb.Insert(random.Next(sb.Length), (char)random.Next(0, 128));
                }
                return sb.ToString();
            }
            default:
            {
                // Replace a value after ':' or ' ' with a random number or a huge token.
                var list = lines.ToList();
                int at = random.Next(list.Count);
                int cut = list[at].LastIndexOfAny([':', ' ']);
                if (cut > 0)
                {
                    list[at] = list[at][..(cut + 1)] + (random.Next(2) == 0
                        ? random.NextInt64(-5, 1L << 40).ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : new string('x', random.Next(0, 600)));
                }
                return string.Join("\r\n", list) + "\r\n";
            }
        }
    }
}
