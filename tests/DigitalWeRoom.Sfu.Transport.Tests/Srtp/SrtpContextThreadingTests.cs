using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>RTP on one thread and RTCP on another may share one context (their state is disjoint).</summary>
public sealed class SrtpContextThreadingTests
{
    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public async Task Rtp_and_rtcp_run_concurrently_on_one_context(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);
        const int Packets = 5000;

        Task<int> rtp = Task.Factory.StartNew(
            () =>
            {
                int ok = 0;
                for (int i = 0; i < Packets; i++)
                {
                    byte[] buffer = SrtpTestData.Rtp(7, (ushort)(65000 + i), 300, out int length);
                    byte[] plain = buffer[..length];
                    if (sender.TryProtectRtp(buffer, length, out int n)
                        && receiver.TryUnprotectRtp(buffer, n, out int m, out _)
                        && buffer.AsSpan(0, m).SequenceEqual(plain))
                    {
                        ok++;
                    }
                }

                return ok;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        Task<int> rtcp = Task.Factory.StartNew(
            () =>
            {
                int ok = 0;
                for (int i = 0; i < Packets; i++)
                {
                    byte[] buffer = SrtpTestData.Rtcp(7, out int length);
                    byte[] plain = buffer[..length];
                    if (sender.TryProtectRtcp(buffer, length, out int n)
                        && receiver.TryUnprotectRtcp(buffer, n, out int m, out _)
                        && buffer.AsSpan(0, m).SequenceEqual(plain))
                    {
                        ok++;
                    }
                }

                return ok;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        int[] results = await Task.WhenAll(rtp, rtcp).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Packets, results[0]);
        Assert.Equal(Packets, results[1]);
    }
}
