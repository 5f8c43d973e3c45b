namespace DigitalWeRoom.Sfu.Protocols.Tests;

internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal).Replace("|", "", StringComparison.Ordinal));
}

/// <summary>A parser under robustness test: returns success and the drop reason.</summary>
internal delegate bool RobustParser(ReadOnlySpan<byte> input, out DropReason reason);

/// <summary>
/// Feeds random, truncated, bit-flipped and byte-overwritten variants of valid packets to a parser (fixed seed),
/// failing on any exception or on a rejection without a reason.
/// </summary>
internal static class Robustness
{
    public static (int Accepted, int Rejected) Run(IReadOnlyList<byte[]> seeds, int iterations, int seed, RobustParser parser)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[2048];
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            int length = Mutate(random, seeds, buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            bool ok;
            DropReason reason;
            try
            {
                ok = parser(input, out reason);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name} on input {Convert.ToHexString(input)}: {e}");
                throw;
            }
            if (ok)
            {
                if (reason != DropReason.None)
                {
                    Assert.Fail($"accepted with reason {reason}: {Convert.ToHexString(input)}");
                }
                accepted++;
            }
            else
            {
                if (reason == DropReason.None)
                {
                    Assert.Fail($"rejected without a reason: {Convert.ToHexString(input)}");
                }
                rejected++;
            }
        }
        return (accepted, rejected);
    }

    private static int Mutate(Random random, IReadOnlyList<byte[]> seeds, byte[] buffer)
    {
        byte[] original = seeds[random.Next(seeds.Count)];
        int mode = random.Next(8);
        if (mode == 0)
        {
            // Pure noise; the first byte often kept so the version check passes.
            int noiseLength = random.Next(0, 300);
            random.NextBytes(buffer.AsSpan(0, noiseLength));
            if (noiseLength > 0 && random.Next(2) == 0)
            {
                buffer[0] = original.Length > 0 ? original[0] : buffer[0];
            }
            return noiseLength;
        }
        original.CopyTo(buffer, 0);
        int length = original.Length;
        if (mode is 1 or 5)
        {
            length = random.Next(0, length + 1);
        }
        if (mode is 2 or 5 or 6)
        {
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips && length > 0; f++)
            {
                buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
            }
        }
        if (mode is 3 or 6)
        {
            int writes = 1 + random.Next(3);
            for (int w = 0; w < writes && length > 0; w++)
            {
                buffer[random.Next(length)] = (byte)random.Next(256);
            }
        }
        if (mode == 4)
        {
            // Extend with random trailing bytes.
            int extra = random.Next(1, 64);
            random.NextBytes(buffer.AsSpan(length, extra));
            length += extra;
        }
        if (mode == 7 && length > 0)
        {
            // Set a length-like byte to an extreme.
            buffer[random.Next(length)] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00;
        }
        return length;
    }
}
