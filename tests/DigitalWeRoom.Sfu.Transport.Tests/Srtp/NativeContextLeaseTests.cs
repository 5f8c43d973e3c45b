using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>
/// A transport closed (its SRTP context disposed) while another thread protects with it: the native OpenSSL context
/// must outlive the running operation (a large meeting whose joins timed out crashed the server in libcrypto so).
/// </summary>
public sealed class NativeContextLeaseTests
{
    [Fact]
    public void Dispose_during_a_lease_defers_the_free_until_the_lease_ends()
    {
        var handle = new CountingHandle();
        var lease = new NativeContextLease(handle);

        handle.Dispose();

        Assert.Equal(0, handle.Released);
        lease.Dispose();
        Assert.Equal(1, handle.Released);
        lease.Dispose(); // idempotent: released once
        Assert.Equal(1, handle.Released);
    }

    [Fact]
    public void A_lease_on_a_closed_handle_throws_ObjectDisposedException()
    {
        var handle = new CountingHandle();
        handle.Dispose();

        Assert.Throws<ObjectDisposedException>(() =>
        {
            using var lease = new NativeContextLease(handle);
        });
        Assert.Equal(1, handle.Released);
    }

    [Theory]
    [InlineData("AeadAes128Gcm")]
    [InlineData("Aes128CmHmacSha1_80")]
    public async Task Protecting_while_another_thread_disposes_the_context_only_ever_reports_disposed(string profileName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        var unexpected = new List<Exception>();
        for (int round = 0; round < 50; round++)
        {
            var context = SrtpTestData.Context(profile, SrtpCryptoBackend.Native);
            using var started = new ManualResetEventSlim();
            Task worker = Task.Factory.StartNew(
                () =>
                {
                    started.Set();
                    for (int i = 0; i < 2000; i++)
                    {
                        byte[] buffer = SrtpTestData.Rtp(7, (ushort)i, 160, out int length);
                        try
                        {
                            context.TryProtectRtp(buffer, length, out _);
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                        catch (Exception e)
                        {
                            lock (unexpected) unexpected.Add(e);
                            return;
                        }
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            started.Wait();
            context.Dispose();
            await worker;
        }

        Assert.Empty(unexpected);
    }

    private sealed class CountingHandle : SafeHandle
    {
        public CountingHandle()
            : base(0, ownsHandle: true)
        {
            SetHandle(1);
        }

        public int Released { get; private set; }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            Released++;
            return true;
        }
    }
}
