using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Transport.Diagnostics;

namespace DigitalWeRoom.Sfu.Transport.Tests.Diagnostics;

/// <summary>
/// The latency bench flag (DWR_PATH_TRACE) times each stage against the load generator's stamp: it must find the stamp
/// at the end of a plain RTP packet, class it (audio; video by position in its frame) and ignore anything else.
/// </summary>
public sealed class PathTraceTests
{
    private static byte[] Stamped(int payload, byte kind, long sequence, long sendTicks, uint magic = 0x4457524C)
    {
        var rtp = new byte[12 + payload];
        rtp[0] = 0x80;
        Span<byte> s = rtp.AsSpan(rtp.Length - 28);
        BinaryPrimitives.WriteUInt32BigEndian(s, magic);
        s[8] = kind;
        BinaryPrimitives.WriteInt64BigEndian(s[12..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(s[20..], sendTicks);
        return rtp;
    }

    [Fact]
    public void Stamp_VideoIsClassedByItsPositionInTheFrame_AudioAsAudio()
    {
        Assert.True(PathTrace.TryStamp(Stamped(1200, 1, 7, 123_456_789), out long sent, out int cls));
        Assert.Equal(123_456_789, sent);
        Assert.Equal(1 + (7 % PathTrace.PacketsPerFrame), cls);

        Assert.True(PathTrace.TryStamp(Stamped(160, 0, 7, 42), out sent, out cls));
        Assert.Equal(42, sent);
        Assert.Equal(0, cls);
    }

    [Fact]
    public void NoStamp_ShortPacketOrUnknownKind_IsIgnored()
    {
        Assert.False(PathTrace.TryStamp(Stamped(1200, 1, 7, 1, magic: 0x12345678), out _, out _));
        Assert.False(PathTrace.TryStamp(Stamped(1200, 2, 7, 1), out _, out _));
        Assert.False(PathTrace.TryStamp(new byte[12 + 27], out _, out _));
    }

    [Fact]
    public void Off_ByDefault_RecordsNothing()
    {
        // Tests run without DWR_PATH_TRACE: the hooks must stay inert (no histogram is even allocated).
        Assert.False(PathTrace.Enabled);
        PathTrace.Record(PathTrace.Kernel, 0, 0, 1_000);
        PathTrace.OnFlush();
    }

    [Fact]
    public void Only_the_narrow_hooks_are_public_the_histograms_and_the_socket_ioctl_are_not()
    {
        // The hooks sit on the shipped receive and send paths: outside Transport only the members of PathTraceHooks
        // are reachable (no stage index, no socket handle from another assembly: the generator's receive pump passes
        // its endpoint, and reads back only the kernel time of what it read, for its late log).
        Assert.False(typeof(PathTrace).IsPublic);
        var exported = typeof(PathTrace).Assembly.GetExportedTypes().Where(t => t.Namespace == typeof(PathTrace).Namespace);
        Assert.Equal([typeof(PathTraceHooks)], exported);
        var members = typeof(PathTraceHooks).GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
            .Select(m => m.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["Enabled", "LastKernelTicks", "OnGeneratorDatagram", "OnGeneratorReceived", "OnRouted", "OnSend", "get_LastKernelTicks"], members);
        // Off: a static readonly field, so the JIT folds every `if (Enabled)` away.
        var enabled = typeof(PathTraceHooks).GetField(nameof(PathTraceHooks.Enabled))!;
        Assert.True(enabled.IsInitOnly && enabled.IsStatic);
        Assert.False(PathTraceHooks.Enabled);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(39)]
    [InlineData(40)]
    [InlineData(1500)]
    public void Hooks_take_any_bytes_without_throwing(int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)0xFF);
        PathTraceHooks.OnGeneratorReceived(bytes, 1);
        PathTraceHooks.OnRouted(bytes);
        PathTraceHooks.OnSend(bytes, byWorker: true);
        Assert.False(PathTrace.TryStamp(bytes, out _, out _));
    }
}
