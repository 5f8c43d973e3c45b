namespace DigitalWeRoom.Sfu.Protocols.Rtp;

/// <summary>RFC 8285 header extension forms.</summary>
public enum RtpExtensionForm : byte
{
    /// <summary>No extension, or a profile this reader does not interpret.</summary>
    None = 0,

    /// <summary>RFC 8285 §4.2: profile 0xBEDE, 4-bit ID and 4-bit length-minus-one.</summary>
    OneByte = 1,

    /// <summary>RFC 8285 §4.3: profile 0x100X, 8-bit ID and 8-bit length.</summary>
    TwoByte = 2,
}

/// <summary>
/// Iterates the elements of an RFC 8285 extension block without allocating. Offsets are relative to the block body
/// (after the 4-byte preamble). A malformed block ends the iteration and sets <see cref="Malformed"/>.
/// </summary>
public ref struct RtpExtensionReader
{
    public const ushort OneByteProfile = 0xBEDE;
    public const ushort TwoByteProfile = 0x1000;

    private readonly ReadOnlySpan<byte> _data;
    private readonly RtpExtensionForm _form;
    private int _position;

    public RtpExtensionReader(ReadOnlySpan<byte> data, RtpExtensionForm form)
    {
        _data = data;
        _form = form;
        _position = 0;
        Malformed = false;
    }

    public bool Malformed { get; private set; }

    /// <summary>RFC 8285 §4.2 and §4.3: which form a "defined by profile" value announces.</summary>
    public static RtpExtensionForm FormOf(ushort profile) => profile switch
    {
        OneByteProfile => RtpExtensionForm.OneByte,
        // RFC 8285 §4.3: 0x100 followed by 4 "appbits".
        _ when (profile & 0xFFF0) == TwoByteProfile => RtpExtensionForm.TwoByte,
        _ => RtpExtensionForm.None,
    };

    public bool TryReadNext(out byte id, out int valueOffset, out int valueLength)
    {
        id = 0;
        valueOffset = 0;
        valueLength = 0;
        if (_form == RtpExtensionForm.None)
        {
            return false;
        }
        while (_position < _data.Length)
        {
            byte first = _data[_position];
            // RFC 8285 §4.2/§4.3: ID 0 is padding, one byte long (its length nibble is not used).
            if (first == 0 || (_form == RtpExtensionForm.OneByte && first >> 4 == 0))
            {
                _position++;
                continue;
            }
            if (_form == RtpExtensionForm.OneByte)
            {
                id = (byte)(first >> 4);
                if (id == 15)
                {
                    // RFC 8285 §4.2: ID 15 is reserved; processing of the block stops there.
                    _position = _data.Length;
                    return false;
                }
                valueLength = (first & 0x0F) + 1;
                valueOffset = _position + 1;
            }
            else
            {
                if (_position + 1 >= _data.Length)
                {
                    return Fail();
                }
                id = first;
                valueLength = _data[_position + 1];
                valueOffset = _position + 2;
            }
            if (valueOffset + valueLength > _data.Length)
            {
                return Fail();
            }
            _position = valueOffset + valueLength;
            return true;
        }
        return false;
    }

    private bool Fail()
    {
        Malformed = true;
        _position = _data.Length;
        return false;
    }
}
