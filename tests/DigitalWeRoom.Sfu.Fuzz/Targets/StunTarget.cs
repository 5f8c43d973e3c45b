using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>STUN (RFC 8489) as ICE uses it (RFC 8445 §7): parse, every attribute getter, both integrity checks.</summary>
public sealed class StunTarget : FuzzTarget
{
    public static readonly byte[] Key = "fuzz-ice-password-0123456789"u8.ToArray();

    private readonly SocketAddress _address = new(AddressFamily.InterNetworkV6);
    private readonly ushort[] _unknown = new ushort[16];

    public override string Name => "Stun";

    public override void Execute(ReadOnlySpan<byte> input)
    {
        if (!StunMessage.TryParse(input, out StunMessage m, out DropReason reason))
        {
            Check(reason != DropReason.None, "rejection carries a reason");
            return;
        }

        Check(reason == DropReason.None, "acceptance carries no reason");
        _ = m.Type;
        _ = m.Class;
        _ = m.Method;
        _ = m.TransactionId.Length;
        m.TryGetUsername(out _);
        m.TryGetPriority(out _);
        _ = m.HasUseCandidate;
        m.TryGetIceControlled(out _);
        m.TryGetIceControlling(out _);
        m.TryGetXorMappedAddress(out IPEndPoint? _);
        m.TryGetXorMappedAddress(_address);
        m.TryGetErrorCode(out _, out _);
        bool integrity = m.VerifyMessageIntegrity(Key);
        Check(!integrity || m.HasMessageIntegrity, "integrity verified only when present");
        m.VerifyMessageIntegritySha256(Key);
        Check(m.GetUnknownComprehensionRequired(_unknown) <= _unknown.Length, "unknown attribute count bounded");
        foreach (StunAttribute attribute in m)
        {
            Check(attribute.Value.Length <= input.Length, "attribute inside the message");
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        byte[] transaction = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var buffer = new byte[512];

        var request = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transaction);
        request.AddUsername("serverufrag:clientufrag"u8);
        request.AddPriority(0x6E7F1EFF);
        request.AddIceControlling(0x0102030405060708);
        request.AddUseCandidate();
        request.AddMessageIntegrity(Key);
        request.AddFingerprint();
        yield return ("binding-request", request.Written.ToArray());

        var response = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, transaction);
        response.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 50000));
        response.AddMessageIntegrity(Key);
        response.AddFingerprint();
        yield return ("binding-response-v6", response.Written.ToArray());

        var v4 = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, transaction);
        v4.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853));
        v4.AddSoftware("dwr"u8);
        v4.AddMessageIntegritySha256(Key);
        v4.AddFingerprint();
        yield return ("binding-response-v4-sha256", v4.Written.ToArray());

        var error = new StunMessageWriter(buffer, StunMessageType.BindingErrorResponse, transaction);
        error.AddErrorCode(487, "Role Conflict");
        error.AddUnknownAttributes([0x0001, 0x7FFF]);
        error.AddFingerprint();
        yield return ("error-487", error.Written.ToArray());

        var indication = new StunMessageWriter(buffer, StunMessageType.BindingIndication, transaction);
        indication.AddFingerprint();
        yield return ("indication", indication.Written.ToArray());
    }
}
