using DigitalWeRoom.Sfu.Media.Speech;

namespace DigitalWeRoom.Sfu.Media.Tests.Speech;

/// <summary>Hands each dominant-speaker change to a test's callback.</summary>
internal sealed class SpeakerChanges(Action<string?> onChange) : IDominantSpeakerListener
{
    public void OnDominantSpeakerChanged(string? participantId) => onChange(participantId);
}
