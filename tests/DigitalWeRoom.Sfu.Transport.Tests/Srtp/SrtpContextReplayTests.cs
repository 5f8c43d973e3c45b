using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>Replay protection (RFC 3711 §3.3.2) and "commit only after authentication" on the receive side.</summary>
public sealed class SrtpContextReplayTests
{
    private const uint Ssrc = 0xCAFEBABE;

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Duplicate_is_a_replay_and_old_is_too_old(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            var sent = new List<(byte[] Buffer, int Length)>();
            for (int seq = 0; seq < 1100; seq++)
            {
                sent.Add(Protect(sender, (ushort)seq));
            }

            Assert.Equal(DropReason.None, Receive(receiver, sent[0]));
            Assert.Equal(DropReason.SrtpReplay, Receive(receiver, sent[0]));
            Assert.Equal(DropReason.None, Receive(receiver, sent[1099]));

            // Window of 1024: index 76 is the oldest still inside (1099 - 1023), 75 is outside.
            Assert.Equal(DropReason.SrtpTooOld, Receive(receiver, sent[75]));
            Assert.Equal(DropReason.None, Receive(receiver, sent[76]));
            Assert.Equal(DropReason.SrtpReplay, Receive(receiver, sent[76]));
            Assert.Equal(DropReason.SrtpReplay, Receive(receiver, sent[1099]));
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Reordered_within_window_is_accepted_once(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            var sent = new List<(byte[] Buffer, int Length)>();
            for (int seq = 100; seq < 110; seq++)
            {
                sent.Add(Protect(sender, (ushort)seq));
            }

            foreach (int i in new[] { 0, 5, 3, 9, 1, 2, 4, 8, 7, 6 })
            {
                Assert.Equal(DropReason.None, Receive(receiver, sent[i]));
            }

            foreach (int i in new[] { 0, 5, 3, 9, 1, 2, 4, 8, 7, 6 })
            {
                Assert.Equal(DropReason.SrtpReplay, Receive(receiver, sent[i]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Tampered_packet_fails_and_does_not_advance_state(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            (byte[] Buffer, int Length) first = Protect(sender, 40000);
            (byte[] Buffer, int Length) second = Protect(sender, 40001);
            (byte[] Buffer, int Length) third = Protect(sender, 40002);
            Assert.Equal(DropReason.None, Receive(receiver, first));

            // Flip a payload byte of the second packet.
            byte[] tampered = (byte[])second.Buffer.Clone();
            tampered[40] ^= 0x04;
            Assert.Equal(DropReason.SrtpAuthFailed, Receive(receiver, (tampered, second.Length)));

            // Forgeries that, if committed, would move the ROC to 1 (seq 1000 guesses ROC+1) or slide the window
            // 20000 ahead and forget everything (seq 60000).
            foreach (ushort forgedSeq in new ushort[] { 1000, 60000 })
            {
                byte[] forged = (byte[])third.Buffer.Clone();
                BinaryPrimitives.WriteUInt16BigEndian(forged.AsSpan(2), forgedSeq);
                Assert.Equal(DropReason.SrtpAuthFailed, Receive(receiver, (forged, third.Length)));
            }

            // State is untouched: the genuine packets still decrypt, and the first is still a replay.
            Assert.Equal(DropReason.None, Receive(receiver, second));
            Assert.Equal(DropReason.None, Receive(receiver, third));
            Assert.Equal(DropReason.SrtpReplay, Receive(receiver, first));
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Forged_packet_from_unknown_ssrc_does_not_take_a_slot(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            // 200 forged SSRCs (more than the 64-stream cap) all fail authentication without filling the table.
            for (uint s = 0; s < 200; s++)
            {
                byte[] buffer = SrtpTestData.Rtp(s, 1, 100, out int length);
                Assert.False(receiver.TryUnprotectRtp(buffer, length + 16, out _, out DropReason reason));
                Assert.Equal(DropReason.SrtpAuthFailed, reason);
            }

            Assert.Equal(DropReason.None, Receive(receiver, Protect(sender, 5)));
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Streams_beyond_the_cap_are_refused(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            for (uint s = 1; s <= SrtpStreamTable.MaxStreams; s++)
            {
                byte[] buffer = SrtpTestData.Rtp(s, 1, 20, out int length);
                Assert.True(sender.TryProtectRtp(buffer, length, out int n));
                Assert.True(receiver.TryUnprotectRtp(buffer, n, out _, out _));
            }

            byte[] extra = SrtpTestData.Rtp(1000, 1, 20, out int extraLength);
            Assert.False(sender.TryProtectRtp(extra, extraLength, out _));

            using SrtpContext other = SrtpTestData.Context(SrtpTestData.Profile(profileName), SrtpTestData.Backend(backendName));
            Assert.True(other.TryProtectRtp(extra, extraLength, out int m));
            Assert.False(receiver.TryUnprotectRtp(extra, m, out _, out DropReason reason));
            Assert.Equal(DropReason.SrtpTooManyStreams, reason);

            // Known streams keep working.
            byte[] known = SrtpTestData.Rtp(3, 2, 20, out int knownLength);
            Assert.True(sender.TryProtectRtp(known, knownLength, out int k));
            Assert.True(receiver.TryUnprotectRtp(known, k, out _, out _));
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Srtcp_replay_and_tamper(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            var sent = new List<(byte[] Buffer, int Length)>();
            for (int i = 0; i < 3; i++)
            {
                byte[] buffer = SrtpTestData.Rtcp(Ssrc, out int length);
                Assert.True(sender.TryProtectRtcp(buffer, length, out int n));
                sent.Add((buffer, n));
            }

            byte[] tampered = (byte[])sent[1].Buffer.Clone();
            tampered[12] ^= 1;
            Assert.False(receiver.TryUnprotectRtcp(tampered, sent[1].Length, out _, out DropReason reason));
            Assert.Equal(DropReason.SrtpAuthFailed, reason);

            Assert.True(receiver.TryUnprotectRtcp((byte[])sent[2].Buffer.Clone(), sent[2].Length, out _, out _));
            Assert.True(receiver.TryUnprotectRtcp((byte[])sent[0].Buffer.Clone(), sent[0].Length, out _, out _));
            Assert.True(receiver.TryUnprotectRtcp((byte[])sent[1].Buffer.Clone(), sent[1].Length, out _, out _));
            Assert.False(receiver.TryUnprotectRtcp((byte[])sent[1].Buffer.Clone(), sent[1].Length, out _, out reason));
            Assert.Equal(DropReason.SrtpReplay, reason);
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Truncated_packets_are_reported_as_truncated(string profileName, string backendName)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair(profileName, backendName);
        using (sender)
        using (receiver)
        {
            SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
            int tag = SrtpProfileInfo.RtpAuthTagLength(profile);
            byte[] rtp = SrtpTestData.Rtp(Ssrc, 1, 0, out int length, withExtension: true); // 20-byte header.
            foreach (int n in new[] { 0, 1, 11, 12, 15, 19, 20 + tag - 1 })
            {
                Assert.False(receiver.TryUnprotectRtp(rtp, n, out _, out DropReason reason), $"length {n}");
                Assert.Equal(DropReason.Truncated, reason);
            }

            // CSRC count claims 15 CSRCs that are not there.
            byte[] csrc = SrtpTestData.Rtp(Ssrc, 1, 20, out length);
            csrc[0] = 0x8F;
            Assert.False(receiver.TryUnprotectRtp(csrc, length, out _, out DropReason r2));
            Assert.Equal(DropReason.Truncated, r2);

            // Length past the buffer.
            Assert.False(receiver.TryUnprotectRtp(rtp, rtp.Length + 1, out _, out DropReason r3));
            Assert.Equal(DropReason.Truncated, r3);

            byte[] rtcp = SrtpTestData.Rtcp(Ssrc, out _);
            foreach (int n in new[] { 0, 4, 8, 8 + 4 + tag - 1 })
            {
                Assert.False(receiver.TryUnprotectRtcp(rtcp, n, out _, out DropReason reason), $"rtcp length {n}");
                Assert.Equal(DropReason.Truncated, reason);
            }

            // No room for the tag: protect refuses instead of writing past the buffer.
            byte[] tight = SrtpTestData.Rtp(Ssrc, 1, 10, out length)[..(length + tag - 1)];
            Assert.False(sender.TryProtectRtp(tight, length, out _));
        }
    }

    private static (SrtpContext Sender, SrtpContext Receiver) Pair(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        return (SrtpTestData.Context(profile, backend), SrtpTestData.Context(profile, backend));
    }

    private static (byte[] Buffer, int Length) Protect(SrtpContext sender, ushort seq)
    {
        byte[] buffer = SrtpTestData.Rtp(Ssrc, seq, 64, out int length);
        Assert.True(sender.TryProtectRtp(buffer, length, out int n));
        return (buffer, n);
    }

    /// <summary>Unprotects a copy (so the same protected packet can be offered again) and returns the verdict.</summary>
    private static DropReason Receive(SrtpContext receiver, (byte[] Buffer, int Length) packet)
    {
        byte[] copy = (byte[])packet.Buffer.Clone();
        bool ok = receiver.TryUnprotectRtp(copy, packet.Length, out _, out DropReason reason);
        Assert.Equal(ok, reason == DropReason.None);
        return reason;
    }
}
