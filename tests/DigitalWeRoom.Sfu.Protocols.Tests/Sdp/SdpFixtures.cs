using System.Text.Json;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

internal static class SdpFixtures
{
    public const string OfferAudioVideo = "offer-audio-video.sdp";
    public const string OfferSimulcast = "offer-simulcast.sdp";
    public const string AnswerAudioVideo = "answer-audio-video-browser.sdp";

    public static readonly string[] All = [OfferAudioVideo, OfferSimulcast, AnswerAudioVideo];

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "chromium-156", name));

    public static SessionDescription Parse(string text)
    {
        Assert.True(SdpParser.TryParse(text, out SessionDescription sdp, out SdpParseError error), error.ToString());
        return sdp;
    }

    /// <summary>A deep, structural rendering of the model, to compare two descriptions field by field.</summary>
    public static string Dump(SessionDescription sdp) => JsonSerializer.Serialize(sdp, s_json);
}
