using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>
/// How many SSRCs a context tracks (RFC 3711 §3.2.3, state per SSRC): the peer's are capped so it cannot grow our
/// state, ours are not held to that cap. A subscriber of a meeting of 60 gets 59 microphones plus the forwarded cameras
/// from the server: with one cap of 64 for both directions the server refused to protect the last publishers' audio
/// (counted as not_connected, 840,215 drops in the 19:12 run) and every probe missed 4 streams.
/// </summary>
public class SrtpStreamCapTests
{
    private const int MeetingStreams = 59 + 9 + 9; // microphones, cameras last-N forwards, their RTX

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Outbound_context_protects_every_stream_of_a_large_meeting_and_a_client_receives_them(bool serverIsDtlsClient)
    {
        SrtpProtectionProfile profile = SrtpProtectionProfile.AeadAes128Gcm;
        byte[] material = new byte[SrtpContext.KeyingMaterialLength(profile)];
        for (int i = 0; i < material.Length; i++) material[i] = (byte)(i * 13 + 5);
        (SrtpContext serverLocal, SrtpContext serverRemote) = SrtpContext.FromDtlsKeyingMaterial(profile, material, serverIsDtlsClient);
        (SrtpContext clientLocal, SrtpContext clientRemote) = SrtpContext.FromDtlsKeyingMaterial(
            profile, material, !serverIsDtlsClient, remoteMaxStreams: SrtpStreamTable.MaxSentStreams);
        using (serverLocal)
        using (serverRemote)
        using (clientLocal)
        using (clientRemote)
        {
            Assert.Equal(SrtpStreamTable.MaxSentStreams, serverLocal.MaxStreams);
            Assert.Equal(SrtpStreamTable.MaxStreams, serverRemote.MaxStreams);
            for (uint ssrc = 1; ssrc <= MeetingStreams; ssrc++)
            {
                byte[] rtp = SrtpTestData.Rtp(ssrc * 7919, 1, 40, out int length);
                Assert.True(serverLocal.TryProtectRtp(rtp, length, out int n), $"stream {ssrc}");
                Assert.True(clientRemote.TryUnprotectRtp(rtp, n, out _, out DropReason reason), $"stream {ssrc}: {reason}");
            }

            // The peer's streams stay capped: a publisher sending more SSRCs than the cap gets the extra dropped.
            for (uint ssrc = 1; ssrc <= SrtpStreamTable.MaxStreams + 1; ssrc++)
            {
                byte[] rtp = SrtpTestData.Rtp(ssrc, 1, 40, out int length);
                Assert.True(clientLocal.TryProtectRtp(rtp, length, out int n));
                bool accepted = serverRemote.TryUnprotectRtp(rtp, n, out _, out DropReason reason);
                Assert.Equal(ssrc <= SrtpStreamTable.MaxStreams, accepted);
                if (!accepted) Assert.Equal(DropReason.SrtpTooManyStreams, reason);
            }
        }
    }

    [Fact]
    public void Table_grows_to_its_cap_finds_every_ssrc_and_refuses_one_more()
    {
        var table = new SrtpStreamTable(SrtpStreamTable.MaxSentStreams);
        for (uint i = 0; i < SrtpStreamTable.MaxSentStreams; i++)
        {
            uint ssrc = i * 2654435761u; // spread, with collisions in the low bits
            Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.Find(ssrc)));
            ref SrtpStreamTable.Entry added = ref table.Add(ssrc);
            Assert.False(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref added));
        }

        Assert.True(table.IsFull);
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.Add(12345)));
        for (uint i = 0; i < SrtpStreamTable.MaxSentStreams; i++)
        {
            Assert.Equal(i * 2654435761u, table.Find(i * 2654435761u).Ssrc);
        }

        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.Find(2654435761u)));
        Assert.False(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.Add(2654435761u)));
    }
}
