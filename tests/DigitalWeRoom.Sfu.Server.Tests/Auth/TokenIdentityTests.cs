using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

/// <summary>Identity from the token (docs/signaling.md "Identity"), set-name, raise-hand, and a room admin's moderate message.</summary>
public sealed class TokenIdentityTests
{
    private static SfuHost Keyed() => new(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });

    private static string Token(SfuHost host, string identity, string? name, bool admin = false) =>
        host.Services.GetRequiredService<RoomTokenService>().Issue(new RoomTokenRequest(identity, name, new VideoGrant { Room = "standup", RoomAdmin = admin })).Token;

    private static async Task<(WsClient Client, SignalMessage Joined)> JoinAsync(SfuHost host, string clientName, string token)
    {
        var client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = clientName, Token = token });
        return (client, await client.WaitForAsync(MessageTypes.Joined));
    }

    [Fact]
    public async Task The_token_name_wins_over_the_client_name_and_the_identity_is_reported()
    {
        await using var host = Keyed();
        var (ada, joined) = await JoinAsync(host, "Mallory", Token(host, "ada-7", "Ada Lovelace"));
        Assert.Equal("Ada Lovelace", joined.Name);
        var (grace, graceJoined) = await JoinAsync(host, "Grace", Token(host, "grace-1", null));
        var adaSeen = Assert.Single(graceJoined.Participants!);
        Assert.Equal("Ada Lovelace", adaSeen.Name);
        Assert.Equal("ada-7", adaSeen.Identity);
        Assert.Equal("Grace", graceJoined.Name); // no name in the token: the client's stays
        await ada.DisposeAsync();
        await grace.DisposeAsync();
    }

    [Fact]
    public async Task A_second_join_with_the_same_identity_replaces_the_first_at_once()
    {
        await using var host = Keyed();
        var (watcher, _) = await JoinAsync(host, "Watcher", Token(host, "watcher", "Watcher"));
        var (first, firstJoined) = await JoinAsync(host, "Ada", Token(host, "ada", "Ada"));
        await watcher.WaitForAsync(MessageTypes.ParticipantJoined, m => m.Participant!.Id == firstJoined.ParticipantId);

        var (second, secondJoined) = await JoinAsync(host, "Ada", Token(host, "ada", "Ada"));
        Assert.Equal(ErrorCodes.Replaced, (await first.ErrorAsync(ErrorCodes.Replaced)).Code);
        Assert.DoesNotContain(secondJoined.Participants!, p => p.Id == firstJoined.ParticipantId);
        await watcher.WaitForAsync(MessageTypes.ParticipantLeft, m => m.ParticipantId == firstJoined.ParticipantId);
        await watcher.WaitForAsync(MessageTypes.ParticipantJoined, m => m.Participant!.Id == secondJoined.ParticipantId);
        // The old session left before the new one was added: the watcher never saw two Adas at once.
        var order = watcher.Received.Where(m => m.Type is MessageTypes.ParticipantLeft or MessageTypes.ParticipantJoined).Select(m => m.Type!).ToArray();
        Assert.Equal([MessageTypes.ParticipantJoined, MessageTypes.ParticipantLeft, MessageTypes.ParticipantJoined], order);
        await watcher.DisposeAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Set_name_is_refused_when_the_token_named_the_participant_and_broadcast_otherwise()
    {
        await using var host = Keyed();
        var (ada, adaJoined) = await JoinAsync(host, "Ada", Token(host, "ada", "Ada Lovelace"));
        var (grace, graceJoined) = await JoinAsync(host, "Grace", Token(host, "grace", null));

        await ada.SendAsync(new SignalMessage { Type = MessageTypes.SetName, Name = "Mallory" });
        Assert.Contains("token", (await ada.ErrorAsync(ErrorCodes.NotAllowed)).Reason, StringComparison.Ordinal);

        // A token without a name: the client chose it, the client may change it; both pages hear the new name.
        await grace.SendAsync(new SignalMessage { Type = MessageTypes.SetName, Name = "Grace Hopper" });
        foreach (var client in new[] { ada, grace })
        {
            var renamed = await client.WaitForAsync(MessageTypes.SetName);
            Assert.Equal(graceJoined.ParticipantId, renamed.ParticipantId);
            Assert.Equal("Grace Hopper", renamed.Name);
        }

        Assert.DoesNotContain(grace.Received, m => m.Type == MessageTypes.SetName && m.ParticipantId == adaJoined.ParticipantId);
        await grace.SendAsync(new SignalMessage { Type = MessageTypes.SetName, Name = new string('x', 65) });
        await grace.ErrorAsync(ErrorCodes.InvalidField);
        await ada.DisposeAsync();
        await grace.DisposeAsync();
    }

    [Fact]
    public async Task Raise_hand_reaches_the_others_and_newcomers()
    {
        await using var host = new SfuHost();
        await using var ada = await host.ConnectAsync();
        var adaId = await ada.JoinAsync("hands", "Ada");
        await using var grace = await host.ConnectAsync();
        await grace.JoinAsync("hands", "Grace");
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.RaiseHand, Raised = true });
        var raised = await grace.WaitForAsync(MessageTypes.RaiseHand);
        Assert.Equal(adaId, raised.ParticipantId);
        Assert.True(raised.Raised);

        await using var late = await host.ConnectAsync();
        await late.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "hands", Name = "Late" });
        var joined = await late.WaitForAsync(MessageTypes.Joined);
        Assert.True(joined.Participants!.Single(p => p.Id == adaId).HandRaised);

        await ada.SendAsync(new SignalMessage { Type = MessageTypes.RaiseHand });
        await ada.ErrorAsync(ErrorCodes.InvalidField);
    }

    [Fact]
    public async Task Only_a_room_admin_may_mute_or_remove_others_through_signaling()
    {
        await using var host = Keyed();
        var (admin, _) = await JoinAsync(host, "Chair", Token(host, "chair", "Chair", admin: true));
        var (ada, adaJoined) = await JoinAsync(host, "Ada", Token(host, "ada", "Ada"));
        var (eve, _) = await JoinAsync(host, "Eve", Token(host, "eve", "Eve"));

        await eve.SendAsync(new SignalMessage { Type = MessageTypes.Moderate, Action = ModerateActions.Remove, Target = adaJoined.ParticipantId });
        await eve.ErrorAsync(ErrorCodes.NotAllowed);

        await admin.SendAsync(new SignalMessage { Type = MessageTypes.Moderate, Action = ModerateActions.MuteAudio, Target = adaJoined.ParticipantId });
        var muted = await ada.WaitForAsync(MessageTypes.Mute, m => m.ParticipantId == adaJoined.ParticipantId);
        Assert.Equal("audio", muted.Kind);
        Assert.True(muted.Muted);

        // By identity, as the Room API allows.
        await admin.SendAsync(new SignalMessage { Type = MessageTypes.Moderate, Action = ModerateActions.Remove, Target = "ada" });
        await ada.ErrorAsync(ErrorCodes.Removed);
        await eve.WaitForAsync(MessageTypes.ParticipantLeft, m => m.ParticipantId == adaJoined.ParticipantId);

        await admin.SendAsync(new SignalMessage { Type = MessageTypes.Moderate, Action = ModerateActions.Remove, Target = "nobody" });
        await admin.ErrorAsync(ErrorCodes.InvalidTarget);
        await admin.SendAsync(new SignalMessage { Type = MessageTypes.Moderate, Action = "ban", Target = "eve" });
        await admin.ErrorAsync(ErrorCodes.InvalidField);
        await admin.DisposeAsync();
        await ada.DisposeAsync();
        await eve.DisposeAsync();
    }
}
