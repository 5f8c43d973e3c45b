using DigitalWeRoom.Sfu.Fuzz.Targets;

namespace DigitalWeRoom.Sfu.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new RtpTarget(),
        new RtcpTarget(),
        new StunTarget(),
        new SdpTarget(),
        new DtlsRecordTarget(),
        new SrtpTarget(),
        new SignalingJsonTarget(),
        new SignalingMessagePackTarget(),
    ];

    public static FuzzTarget? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
