using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Benchmarks.Protocols;

/// <summary>
/// The ICE-lite hot path for one connectivity check: parse and verify a Binding request (the RFC 5769
/// §2.1 sample), then write the success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
/// </summary>
[MemoryDiagnoser]
public class StunBenchmarks
{
    private static readonly byte[] s_password = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();

    private readonly byte[] _request = Convert.FromHexString(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74" +
        "002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014" +
        "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf");

    private readonly byte[] _response = new byte[1500];
    private readonly SocketAddress _source = new IPEndPoint(IPAddress.Loopback, 50000).Serialize();

    [Benchmark]
    public bool Parse() => StunMessage.TryParse(_request, out _, out DropReason _);

    [Benchmark]
    public bool ParseAndVerify() =>
        StunMessage.TryParse(_request, out StunMessage message, out DropReason _) && message.VerifyMessageIntegrity(s_password);

    [Benchmark]
    public int CheckAndRespond()
    {
        if (!StunMessage.TryParse(_request, out StunMessage message, out DropReason _) || !message.VerifyMessageIntegrity(s_password)
            || !message.TryGetUsername(out _) || !message.TryGetPriority(out _))
        {
            return 0;
        }
        var writer = new StunMessageWriter(_response, StunMessageType.BindingSuccessResponse, message.TransactionId);
        writer.AddXorMappedAddress(_source);
        writer.AddMessageIntegrity(s_password);
        writer.AddFingerprint();
        return writer.Length;
    }
}
