using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Benchmarks.Srtp;

/// <summary>
/// SRTP protect/unprotect of one RTP packet (total RTP length <see cref="Size"/>, 12-byte header) per operation,
/// per profile and cipher backend. Targets on the 2-core hosts: GCM ≤ 1.0 µs and AES-CM+HMAC ≤ 1.5 µs for 1200 B.
/// </summary>
/// <remarks>
/// Unprotect copies a pre-protected packet into the working buffer first (a memcpy of <see cref="Size"/> bytes,
/// a few tens of ns) because decryption is in place and the replay window refuses a second delivery; every 4096
/// packets the receiver's stream state is reset so the same packet set can be replayed.
/// </remarks>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private const int PacketCount = 4096;
    private const uint Ssrc = 0x12345678;

    private SrtpContext _sender = null!;
    private SrtpContext _receiver = null!;
    private byte[] _buffer = null!;
    private byte[][] _protected = null!;
    private int _protectedLength;
    private ushort _seq;
    private int _next;

    [Params("Aes128CmHmacSha1_80", "AeadAes128Gcm")]
    public string Profile { get; set; } = "AeadAes128Gcm";

    [Params("Native", "Managed")]
    public string Backend { get; set; } = "Native";

    [Params(120, 1200)]
    public int Size { get; set; } = 1200;

    [GlobalSetup]
    public void Setup()
    {
        SrtpProtectionProfile profile = Enum.Parse<SrtpProtectionProfile>(Profile);
        SrtpCryptoBackend backend = Enum.Parse<SrtpCryptoBackend>(Backend);
        byte[] key = new byte[16];
        byte[] salt = new byte[SrtpProfileInfo.SaltLength(profile)];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(i + 1);
        }

        _sender = SrtpContext.Create(profile, key, salt, backend);
        _receiver = SrtpContext.Create(profile, key, salt, backend);
        _buffer = NewRtp(0);

        using SrtpContext packer = SrtpContext.Create(profile, key, salt, backend);
        _protected = new byte[PacketCount][];
        for (int i = 0; i < PacketCount; i++)
        {
            byte[] packet = NewRtp((ushort)i);
            if (!packer.TryProtectRtp(packet, Size, out _protectedLength))
            {
                throw new InvalidOperationException("protect failed");
            }

            _protected[i] = packet;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark]
    public int ProtectRtp()
    {
        // Protect re-encrypts the same buffer in place with the next sequence number; the length is unchanged.
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(2), ++_seq);
        _sender.TryProtectRtp(_buffer, Size, out int length);
        return length;
    }

    [Benchmark]
    public int UnprotectRtp()
    {
        if (_next == PacketCount)
        {
            _next = 0;
            _receiver.ResetStreams();
        }

        byte[] source = _protected[_next++];
        source.AsSpan(0, _protectedLength).CopyTo(_buffer);
        if (!_receiver.TryUnprotectRtp(_buffer, _protectedLength, out int length, out _))
        {
            throw new InvalidOperationException("unprotect failed");
        }

        return length;
    }

    private byte[] NewRtp(ushort seq)
    {
        var packet = new byte[Size + SrtpContext.MaxOverhead];
        packet[0] = 0x80;
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), Ssrc);
        for (int i = 12; i < Size; i++)
        {
            packet[i] = (byte)i;
        }

        return packet;
    }
}
