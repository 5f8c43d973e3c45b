using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
internal enum SrtpProtectionProfile : ushort
{
    Aes128CmHmacSha1_80 = 1,
    AeadAes128Gcm = 7,
}

/// <summary>
/// TEMPORARY placeholder with the API of the `srtp` branch so the transport compiles and its
/// plumbing can be tested; it is replaced by the real RFC 3711 / RFC 7714 implementation on merge.
/// It only appends a keyed checksum and does not encrypt.
/// </summary>
internal sealed class SrtpContext
{
    public const int MaxOverhead = 16 + 4;

    private readonly uint _key;

    private SrtpContext(uint key) => _key = key;

    public static int KeyingMaterialLength(SrtpProtectionProfile profile) =>
        profile == SrtpProtectionProfile.AeadAes128Gcm ? 2 * (16 + 12) : 2 * (16 + 14);

    public static (SrtpContext Local, SrtpContext Remote) FromDtlsKeyingMaterial(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> material, bool localIsDtlsClient)
    {
        uint client = BinaryPrimitives.ReadUInt32BigEndian(material);
        uint server = BinaryPrimitives.ReadUInt32BigEndian(material[16..]);
        return localIsDtlsClient
            ? (new SrtpContext(client), new SrtpContext(server))
            : (new SrtpContext(server), new SrtpContext(client));
    }

    public bool TryProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], Tag(buffer[..length]));
        protectedLength = length + 4;
        return true;
    }

    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int plainLength, out DropReason reason)
    {
        plainLength = length - 4;
        if (length < 16 || BinaryPrimitives.ReadUInt32BigEndian(buffer[plainLength..]) != Tag(buffer[..plainLength]))
        {
            plainLength = 0;
            reason = DropReason.SrtpAuthFailed;
            return false;
        }
        reason = DropReason.None;
        return true;
    }

    public bool TryProtectRtcp(Span<byte> buffer, int length, out int protectedLength) =>
        TryProtectRtp(buffer, length, out protectedLength);

    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int plainLength, out DropReason reason) =>
        TryUnprotectRtp(buffer, length, out plainLength, out reason);

    private uint Tag(ReadOnlySpan<byte> data)
    {
        uint h = 2166136261 ^ _key;
        foreach (byte b in data)
        {
            h = (h ^ b) * 16777619;
        }
        return h;
    }
}
