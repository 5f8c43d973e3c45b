using System.Diagnostics.CodeAnalysis;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>Throws for programming errors in the STUN writer (never for network input).</summary>
internal static class StunThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string paramName) =>
        throw new ArgumentException("Invalid STUN writer argument or destination too small.", paramName);
}
