using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>
/// SRTP/SRTCP unprotect (RFC 3711, RFC 7714) on hostile input, with fresh contexts each run so an input
/// replays the same way. First byte: bit 0 RTCP, bit 1 AES-GCM profile, bit 2 round-trip mode (the rest is
/// plaintext: protect, then unprotect must give it back); the rest is the packet.
/// </summary>
public sealed class SrtpTarget : FuzzTarget
{
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt14 = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    private readonly byte[] _buffer = new byte[70_000];
    private readonly byte[] _original = new byte[70_000];

    public override string Name => "Srtp";

    public override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1 || input.Length > 65_536)
        {
            return;
        }

        bool rtcp = (input[0] & 1) != 0;
        SrtpProtectionProfile profile = (input[0] & 2) != 0 ? SrtpProtectionProfile.AeadAes128Gcm : SrtpProtectionProfile.Aes128CmHmacSha1_80;
        bool roundTrip = (input[0] & 4) != 0;
        ReadOnlySpan<byte> packet = input[1..];
        packet.CopyTo(_buffer);
        int length = packet.Length;

        using SrtpContext receiver = Create(profile);
        if (roundTrip)
        {
            using SrtpContext sender = Create(profile);
            bool protectedOk = rtcp ? sender.TryProtectRtcp(_buffer, length, out int n) : sender.TryProtectRtp(_buffer, length, out n);
            if (!protectedOk)
            {
                return;
            }

            Check(n > length && n <= length + SrtpContext.MaxOverhead, "protect adds a bounded overhead");
            length = n;
        }

        _buffer.AsSpan(0, length).CopyTo(_original);
        bool ok = rtcp
            ? receiver.TryUnprotectRtcp(_buffer, length, out int plainLength, out DropReason reason)
            : receiver.TryUnprotectRtp(_buffer, length, out plainLength, out reason);
        Check(ok == (reason == DropReason.None), "reason set exactly on rejection");
        if (ok)
        {
            Check(plainLength >= 0 && plainLength <= length, "plain length inside the packet");
        }

        if (roundTrip)
        {
            Check(ok && plainLength == packet.Length && _buffer.AsSpan(0, plainLength).SequenceEqual(packet), "unprotect(protect(p)) == p");
        }
    }

    private static SrtpContext Create(SrtpProtectionProfile profile) =>
        SrtpContext.Create(profile, MasterKey, MasterSalt14.AsSpan(0, SrtpProfileInfo.SaltLength(profile)));

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        foreach (SrtpProtectionProfile profile in new[] { SrtpProtectionProfile.Aes128CmHmacSha1_80, SrtpProtectionProfile.AeadAes128Gcm })
        {
            byte gcm = profile == SrtpProtectionProfile.AeadAes128Gcm ? (byte)2 : (byte)0;
            string tag = gcm != 0 ? "gcm" : "cm";
            using SrtpContext sender = Create(profile);
            var buffer = new byte[1500];

            int length = Rtp(buffer, 65534, 160);
            yield return ($"rtp-plain-{tag}", [(byte)(gcm | 4), .. buffer.AsSpan(0, length)]);
            if (sender.TryProtectRtp(buffer, length, out int n))
            {
                yield return ($"rtp-{tag}", [gcm, .. buffer.AsSpan(0, n)]);
            }

            length = Rtcp(buffer);
            yield return ($"rtcp-plain-{tag}", [(byte)(gcm | 5), .. buffer.AsSpan(0, length)]);
            if (sender.TryProtectRtcp(buffer, length, out n))
            {
                yield return ($"rtcp-{tag}", [(byte)(gcm | 1), .. buffer.AsSpan(0, n)]);
            }
        }
    }

    private static int Rtp(Span<byte> buffer, ushort seq, int payload)
    {
        buffer[0] = 0x90;
        buffer[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], 3000u * seq);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], 0x1234);
        // RFC 8285 one-byte extension, one 3-byte element.
        buffer[12] = 0xBE;
        buffer[13] = 0xDE;
        buffer[14] = 0;
        buffer[15] = 1;
        buffer[16] = 0x12;
        for (int i = 20; i < 20 + payload; i++)
        {
            buffer[i] = (byte)i;
        }

        return 20 + payload;
    }

    private static int Rtcp(Span<byte> buffer)
    {
        buffer[0] = 0x81;
        buffer[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 7);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], 0x2000);
        for (int i = 8; i < 32; i++)
        {
            buffer[i] = (byte)(i * 13);
        }

        return 32;
    }
}
