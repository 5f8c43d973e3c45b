using DigitalWeRoom.Sfu.LoadTest.Media;

namespace DigitalWeRoom.Sfu.LoadTest.Scenarios;

/// <summary>
/// Media and tiles of the capacity scenarios, shaped like LiveKit's published benchmark (its load tester's
/// "1 video publisher → N subscribers", "N video publishers and subscribers", "10 audio publishers → N"):
/// <list type="bullet">
/// <item><c>livestream</c>: one 720p-shaped simulcast camera (q 320x180 / h 640x360 / f 1280x720) + microphone, every
/// subscriber shows it in a small tile (160x90), so the server forwards q and dynacast turns h and f off.</item>
/// <item><c>large-meeting</c>: everyone publishes simulcast + microphone; each subscriber's page shows
/// <see cref="LargeMeetingTiles"/> tiles: the speaker (publisher 0; for publisher 0 itself, the first other) on f and
/// the next 8 on q, the rest off the page, and hears everyone. Off-page cameras are held back by the server's last-N,
/// so the server must run with <c>Sfu:Media:LastN</c> = <see cref="LargeMeetingTiles"/> (bench scripts set it).</item>
/// <item><c>audio</c>: no cameras.</item>
/// </list>
/// Explicit options (<c>--simulcast-bitrates</c>, <c>--tile</c>, <c>--no-audio</c>, ...) still apply on top.
/// </summary>
internal static class CapacityScenarios
{
    /// <summary>Tiles on a large-meeting page: 1 speaker + 8 others.</summary>
    public const int LargeMeetingTiles = 9;

    public static readonly (int Width, int Height) SmallTile = (160, 90);
    public static readonly (int Width, int Height) SpeakerTile = (1280, 720);

    /// <summary>The scenario's media: simulcast on for the video scenarios (unless given), video off for audio.</summary>
    public static MediaProfile MediaFor(ScenarioKind kind, MediaProfile given) => kind switch
    {
        ScenarioKind.Livestream or ScenarioKind.LargeMeeting => given with { Video = true, Simulcast = given.Simulcast ?? SimulcastLayer.Default },
        ScenarioKind.Audio => given with { Video = false, Simulcast = null },
        _ => given,
    };

    /// <summary>
    /// The scenario's tile for (subscriber's publisher index or -1, shown publisher); null = the scenario has none
    /// (then <c>--tile</c> decides). (0, 0): not on the page.
    /// </summary>
    public static Func<int, int, (int Width, int Height)>? TilesFor(ScenarioKind kind) => kind switch
    {
        ScenarioKind.Livestream => (_, _) => SmallTile,
        ScenarioKind.LargeMeeting => LargeMeetingTile,
        _ => null,
    };

    /// <summary>
    /// Publisher <paramref name="shown"/>'s tile on the page of the subscriber that publishes as <paramref name="self"/>:
    /// the first <see cref="LargeMeetingTiles"/> publishers other than itself, in publisher order, the first on f.
    /// </summary>
    public static (int Width, int Height) LargeMeetingTile(int self, int shown)
    {
        if (shown == self) return (0, 0);
        int rank = shown - (self >= 0 && self < shown ? 1 : 0);
        return rank == 0 ? SpeakerTile : rank < LargeMeetingTiles ? SmallTile : (0, 0);
    }
}
