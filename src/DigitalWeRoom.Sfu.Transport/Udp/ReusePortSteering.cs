using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Which socket of a port's SO_REUSEPORT group reads a datagram: a classic-BPF program (SO_ATTACH_REUSEPORT_CBPF) that
/// picks one of the group's first <c>n</c> sockets, the receive sockets (bound first, so they hold the group's indexes
/// 0..n-1), from the datagram's source address and port: <c>(last 32 bits of the source address XOR source port) % n</c>.
/// One remote tuple always lands on the same receive loop (one peer's packets keep their order and one thread owns its
/// SRTP receive context), and the send sockets of <see cref="LaneSockets"/>, which join the group after them, are
/// never chosen. Without a program the kernel hashes over every member, lane sockets included. With n = 1 it is
/// <c>ret #0</c> in effect: everything to the receive socket.
/// </summary>
/// <remarks>
/// The program runs with the packet's data at the UDP payload (the kernel pulls the UDP header first), so the source
/// address and port are read relative to the network header (SKF_NET_OFF): IPv4 (a dual-stack socket receives it as
/// IPv4) address at +12 and port after the IHL-sized header; IPv6 address's last word at +20, port at +40 (no extension
/// headers; with one, other bytes of the same packet are hashed, still the same for every packet of the tuple). A load
/// past the packet's end ends the program with 0: socket 0.
/// </remarks>
internal static class ReusePortSteering
{
    private const uint NetOffset = 0xFFF00000; // SKF_NET_OFF (-0x100000)

    /// <summary>
    /// Attaches the program to <paramref name="socket"/>'s group (Linux: SOL_SOCKET 1, SO_ATTACH_REUSEPORT_CBPF 51),
    /// spreading over its first <paramref name="receiveSockets"/> members.
    /// </summary>
    public static unsafe void Attach(Socket socket, int receiveSockets)
    {
        ulong* program = stackalloc ulong[Length];
        Write(program, receiveSockets);
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (64-bit: pointer at offset 8).
        Span<byte> header = stackalloc byte[16];
        header.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(header, Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], (long)program);
        socket.SetRawSocketOption(1, 51, header);
    }

    private const ushort Length = 16;

    /// <summary>The program's instructions (struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }).</summary>
    internal static unsafe void Write(ulong* program, int receiveSockets)
    {
        int i = 0;
        program[i++] = Instruction(0x30, 0, 0, NetOffset);          // 0  ldb [net+0]           version/IHL
        program[i++] = Instruction(0x74, 0, 0, 4);                  // 1  rsh #4                version
        program[i++] = Instruction(0x15, 6, 0, 6);                  // 2  jeq #6 -> 9 (IPv6)
        program[i++] = Instruction(0xB1, 0, 0, NetOffset);          // 3  ldxb 4*([net+0]&0xf) IPv4 header length
        program[i++] = Instruction(0x48, 0, 0, NetOffset);          // 4  ldh [x+net]           source port
        program[i++] = Instruction(0x02, 0, 0, 0);                  // 5  st M[0]
        program[i++] = Instruction(0x20, 0, 0, NetOffset + 12);     // 6  ld [net+12]           source address
        program[i++] = Instruction(0x61, 0, 0, 0);                  // 7  ldx M[0]
        program[i++] = Instruction(0x05, 0, 0, 4);                  // 8  ja +4 -> 13
        program[i++] = Instruction(0x28, 0, 0, NetOffset + 40);     // 9  ldh [net+40]          source port
        program[i++] = Instruction(0x02, 0, 0, 0);                  // 10 st M[0]
        program[i++] = Instruction(0x20, 0, 0, NetOffset + 20);     // 11 ld [net+20]           source address, last word
        program[i++] = Instruction(0x61, 0, 0, 0);                  // 12 ldx M[0]
        program[i++] = Instruction(0xAC, 0, 0, 0);                  // 13 xor x
        program[i++] = Instruction(0x94, 0, 0, (uint)Math.Max(1, receiveSockets)); // 14 mod #n
        program[i++] = Instruction(0x16, 0, 0, 0);                  // 15 ret a
    }

    /// <summary>The socket of a group of <paramref name="receiveSockets"/> that the program picks for a datagram from <paramref name="source"/>.</summary>
    public static int IndexFor(IPEndPoint source, int receiveSockets)
    {
        IPAddress address = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        byte[] bytes = address.GetAddressBytes();
        uint word = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(bytes.Length - 4));
        return (int)((word ^ (uint)source.Port) % (uint)Math.Max(1, receiveSockets));
    }

    private static ulong Instruction(ushort code, byte jt, byte jf, uint k) =>
        code | ((ulong)jt << 16) | ((ulong)jf << 24) | ((ulong)k << 32);
}
