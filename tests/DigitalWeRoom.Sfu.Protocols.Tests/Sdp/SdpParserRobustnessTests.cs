using System.Text;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

/// <summary>Random mutations of real SDPs: no exception escapes; rejections name a reason; accepted ones write, re-parse and re-write identically.</summary>
public sealed class SdpParserRobustnessTests
{
    [Fact]
    public void MutatedFixtures_NeverThrow()
    {
        string[] seeds = [.. SdpFixtures.All.Select(SdpFixtures.Read), SdpRoundTripTests.Everything];
        string[][] seedLines = seeds.Select(s => s.Split("\r\n")).ToArray();
        var random = new Random(8866);
        int accepted = 0, rejected = 0;
        const int Iterations = 100_000;
        for (int i = 0; i < Iterations; i++)
        {
            int which = i % seeds.Length;
            string text = (i % 6) switch
            {
                0 => DropLines(random, seedLines[which]),
                1 => FlipBytes(random, seeds[which]),
                2 => seeds[which][..random.Next(seeds[which].Length)],
                3 => MutateOneLine(random, seedLines[which]),
                4 => SwapLines(random, seedLines[which]),
                _ => DropLines(random, seedLines[which]) is var dropped && dropped.Length > 0 ? FlipBytes(random, dropped) : dropped,
            };

            if (SdpParser.TryParse(text, out SessionDescription sdp, out SdpParseError error))
            {
                accepted++;
                if (accepted % 8 != 0)
                {
                    continue; // the write check is costlier than parsing; every 8th accepted input is enough.
                }
                // Whatever parses must write and parse again. The writer groups codec lines by payload
                // type, so a shuffled input can come back with those lists reordered; from then on the
                // text is a fixed point (exact model equality is asserted for canonical input in SdpRoundTripTests).
                string written = SdpWriter.Write(sdp);
                Assert.True(SdpParser.TryParse(written, out SessionDescription again, out SdpParseError second), second.ToString());
                Assert.Equal(written, SdpWriter.Write(again));
                Assert.Equal(sdp.Media.Count, again.Media.Count);
                foreach (MediaDescription media in sdp.Media)
                {
                    _ = media.GetCodecs();
                    _ = media.SendRids;
                    _ = media.RtxSsrcPairs.ToList();
                }
            }
            else
            {
                rejected++;
                Assert.False(string.IsNullOrEmpty(error.Reason));
                Assert.NotEqual(DropReason.None, error.DropReason);
            }
        }
        Assert.True(accepted > 5000, $"only {accepted} accepted");
        Assert.True(rejected > 5000, $"only {rejected} rejected");
    }

    private static string DropLines(Random random, string[] lines)
    {
        var kept = lines.Where(_ => random.Next(20) != 0);
        return string.Join("\r\n", kept);
    }

    private static string SwapLines(Random random, string[] lines)
    {
        string[] copy = (string[])lines.Clone();
        int a = random.Next(copy.Length), b = random.Next(copy.Length);
        (copy[a], copy[b]) = (copy[b], copy[a]);
        return string.Join("\r\n", copy);
    }

    private static string FlipBytes(Random random, string text)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        int flips = 1 + random.Next(4);
        for (int k = 0; k < flips; k++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
        return Encoding.Latin1.GetString(bytes);
    }

    /// <summary>Replaces one token of one line with an edge value (empty, huge number, separator soup).</summary>
    private static string MutateOneLine(Random random, string[] lines)
    {
        string[] edge = ["", "0", "-1", "4294967296", "99999999999999999999", ":", "/", " ", "*", "~", ";", ",", "=", "a=", "\u00e9", "\0"];
        string[] copy = (string[])lines.Clone();
        int at = random.Next(copy.Length);
        string line = copy[at];
        if (line.Length > 2)
        {
            int start = 2 + random.Next(line.Length - 2);
            int length = random.Next(Math.Min(8, line.Length - start) + 1);
            copy[at] = line[..start] + edge[random.Next(edge.Length)] + line[(start + length)..];
        }
        return string.Join("\r\n", copy);
    }
}
