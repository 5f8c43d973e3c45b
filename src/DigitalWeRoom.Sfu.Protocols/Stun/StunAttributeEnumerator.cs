using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>One attribute TLV (RFC 8489 §14): type, and the value without its padding.</summary>
public readonly ref struct StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
{
    public StunAttributeType Type { get; } = type;

    public ReadOnlySpan<byte> Value { get; } = value;
}

/// <summary>Walks the attributes of a message that <see cref="StunMessage.TryParse"/> validated.</summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _next;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> message)
    {
        _message = message;
        _next = StunConstants.HeaderLength;
        Current = default;
    }

    public StunAttribute Current { get; private set; }

    public bool MoveNext()
    {
        if (_next + StunConstants.AttributeHeaderLength > _message.Length)
        {
            return false;
        }
        var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_message[_next..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(_next + 2)..]);
        Current = new StunAttribute(type, _message.Slice(_next + StunConstants.AttributeHeaderLength, length));
        _next += StunConstants.AttributeHeaderLength + StunConstants.Pad4(length);
        return true;
    }
}
