using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>Receives STUN responses for the agent that sent the request (our controlling client).</summary>
public interface IStunResponseListener
{
    void OnStunResponse(in StunMessage message, in TransportTuple from, SocketAddress fromAddress);
}

/// <summary>
/// The ICE-lite responder of one shared UDP port (RFC 8445 §2.5, §7.3). A lite agent never sends
/// checks; it answers each Binding request whose USERNAME is "our-ufrag:peer-ufrag" of a live
/// transport and whose MESSAGE-INTEGRITY verifies with that transport's password, then tells the
/// transport that the source tuple is valid (nominated with USE-CANDIDATE). A Binding request
/// without USERNAME and MESSAGE-INTEGRITY gets a plain XOR-MAPPED-ADDRESS answer (the port doubles as
/// a STUN server for peer-to-peer clients, RFC 8489 §3).
/// A source that has not proved it holds an ICE password may be spoofed, so anything sent to it is a reflection
/// (RFC 8489 §16.1.2; issue #12, finding 9): a refused request (missing attributes, unknown username, bad integrity,
/// unknown required attributes) gets no answer at all, only a drop counted by reason, instead of the 400/401/420 of
/// RFC 8489 §6.3.1; the plain Binding answer carries XOR-MAPPED-ADDRESS alone (32 bytes for a 20-byte IPv4 request,
/// 44 for IPv6); only authenticated checks get a success or a 487, each smaller than the check.
/// Runs on the receive loop; allocation-free.
/// </summary>
public sealed class IceLiteAgent
{
    private const int BindingMethod = 0x001;

    private readonly TransportDirectory _directory;

    public IceLiteAgent(TransportDirectory directory) => _directory = directory;

    /// <summary>Set by a controlling client that shares no port with a server.</summary>
    public IStunResponseListener? ResponseListener { get; set; }

    /// <summary>One STUN message that arrived on <paramref name="socket"/> from <paramref name="remote"/>; answers leave through it.</summary>
    public void OnStun(ReadOnlySpan<byte> datagram, SocketAddress remote, IIceSocket socket, bool tcp = false)
    {
        DropCounters drops = socket.Drops;
        if (!StunMessage.TryParse(datagram, out StunMessage message, out DropReason reason))
        {
            drops.Increment(reason);
            return;
        }
        if (!TransportTuple.TryFrom(remote, out TransportTuple tuple))
        {
            drops.Increment(DropReason.Malformed);
            return;
        }
        if (tcp)
        {
            tuple = tuple with { IsTcp = true };
        }
        if (message.Method != BindingMethod)
        {
            drops.Increment(DropReason.StunNotStun);
            return;
        }
        switch (message.Class)
        {
            case StunMessageClass.Request:
                OnBindingRequest(message, datagram, remote, tuple, socket);
                break;
            case StunMessageClass.SuccessResponse:
            case StunMessageClass.ErrorResponse:
                if (ResponseListener is { } listener)
                {
                    listener.OnStunResponse(message, tuple, remote);
                }
                else
                {
                    drops.Increment(DropReason.StunNotStun);
                }
                break;
            default:
                // Binding indications are keepalives (RFC 8445 §11); nothing to answer.
                break;
        }
    }

    private void OnBindingRequest(in StunMessage request, ReadOnlySpan<byte> datagram, SocketAddress remote, in TransportTuple tuple, IIceSocket socket)
    {
        DropCounters drops = socket.Drops;
        Span<ushort> unknown = stackalloc ushort[8];
        int unknownCount = request.GetUnknownComprehensionRequired(unknown);
        if (unknownCount > 0)
        {
            drops.Increment(DropReason.StunBadAttribute);
            return;
        }

        bool hasUsername = request.TryGetUsername(out ReadOnlySpan<byte> username);
        if (!hasUsername && !request.HasMessageIntegrity)
        {
            // Plain STUN Binding (RFC 8489 §3): tell the client its reflexive address.
            SendPlainSuccess(socket, request, remote);
            return;
        }
        if (!hasUsername || !request.HasMessageIntegrity)
        {
            drops.Increment(DropReason.StunMissingAttribute);
            return;
        }

        // USERNAME is "<our ufrag>:<peer ufrag>" (RFC 8445 §7.2.2).
        int colon = username.IndexOf((byte)':');
        ReadOnlySpan<byte> localUfrag = colon < 0 ? username : username[..colon];
        ReadOnlySpan<byte> remoteUfrag = colon < 0 ? default : username[(colon + 1)..];
        if (colon <= 0 || !_directory.TryGetTransportByUfrag(localUfrag, out WebRtcTransport? transport))
        {
            // Maybe a check that overtook the peer's answer: held for the transport the answer creates (EarlyChecks).
            if (colon <= 0 || !_directory.EarlyChecks.TryHold(datagram, localUfrag, remote, socket, tuple.IsTcp))
            {
                drops.Increment(DropReason.StunUnknownUsername);
            }
            return;
        }
        byte[]? key = transport.IceSession.PasswordFor(localUfrag);
        if (key is null || !request.VerifyMessageIntegrity(key))
        {
            drops.Increment(DropReason.StunBadMessageIntegrity);
            return;
        }
        if (!transport.IceSession.AcceptsRemoteUfrag(remoteUfrag))
        {
            drops.Increment(DropReason.StunUnknownUsername);
            return;
        }
        if (!request.TryGetPriority(out uint priority))
        {
            drops.Increment(DropReason.StunMissingAttribute);
            return;
        }
        if (!request.TryGetIceControlling(out _) && request.TryGetIceControlled(out _))
        {
            // RFC 8445 §7.3.1.1: a lite agent is always controlled; a peer that is controlled too has
            // a role conflict. The full agent must switch to controlling.
            drops.Increment(DropReason.StunRoleConflict);
            SendRoleConflict(socket, request, remote, key);
            return;
        }

        // Validate (and maybe nominate) before answering, so the peer never sees a success for a
        // tuple that is not yet admitted for DTLS.
        transport.IceSession.ConfirmLocalUfrag(localUfrag, transport.Directory, transport);
        if (!transport.OnIceCheck(tuple, remote, request.HasUseCandidate, socket, priority))
        {
            // Another live transport owns this tuple (or this one is closing): no success, nothing moves.
            return;
        }

        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, request.TransactionId);
        writer.AddXorMappedAddress(remote);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        socket.Send(writer.Written, remote);
    }

    private static void SendPlainSuccess(IIceSocket socket, in StunMessage request, SocketAddress remote)
    {
        // No FINGERPRINT (optional outside ICE, RFC 8489 §14.7): the least a Binding answer can be.
        Span<byte> buffer = stackalloc byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, request.TransactionId);
        writer.AddXorMappedAddress(remote);
        socket.Send(writer.Written, remote);
    }

    /// <summary>RFC 8445 §7.3.1.1: 487 to an authenticated check from a peer that is controlled too.</summary>
    private static void SendRoleConflict(IIceSocket socket, in StunMessage request, SocketAddress remote, ReadOnlySpan<byte> integrityKey)
    {
        Span<byte> buffer = stackalloc byte[96];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingErrorResponse, request.TransactionId);
        writer.AddErrorCode(487, "Role Conflict");
        writer.AddMessageIntegrity(integrityKey);
        writer.AddFingerprint();
        socket.Send(writer.Written, remote);
    }
}
