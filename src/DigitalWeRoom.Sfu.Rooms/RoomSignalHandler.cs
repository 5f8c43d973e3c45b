using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A room's handling of client messages, by type: relays between the two P2P peers, answers and candidates for the
/// participant's server session, mode reports for the <see cref="RoomModeDriver"/>, tracks, mute, view, hand, chat.
/// Runs on the room's control loop; the state it changes is the members' (<see cref="RoomMembers"/>).
/// </summary>
internal sealed class RoomSignalHandler
{
    /// <summary>Renames one participant may make in a minute.</summary>
    internal const int RenamesPerMinute = 10;

    private readonly string _room;
    private readonly RoomMembers _members;
    private readonly RoomModeDriver _mode;
    private readonly RoomSettings _settings;
    private readonly TimeProvider _time;
    private readonly IRoomEventSink _events;
    private readonly ILogger _logger;

    internal RoomSignalHandler(string room, RoomMembers members, RoomModeDriver mode, RoomSettings settings, TimeProvider time, IRoomEventSink events,
        ILogger logger)
    {
        _room = room;
        _members = members;
        _mode = mode;
        _settings = settings;
        _time = time;
        _events = events;
        _logger = logger;
    }

    /// <summary>A validated client message from <paramref name="participantId"/> (room loop).</summary>
    public void OnSignal(string participantId, SignalMessage message)
    {
        var sender = _members.Find(participantId);
        if (sender is null)
        {
            return;
        }

        if (message.ParticipantId is not null && message.ParticipantId != sender.Id)
        {
            RoomMembers.SendError(sender, ErrorCodes.NotYourId, "a participant may only send messages as itself", message.Id);
            return;
        }

        switch (message.Type)
        {
            case MessageTypes.Offer:
            case MessageTypes.Answer:
            case MessageTypes.Candidate:
                OnNegotiation(sender, message);
                break;
            case MessageTypes.P2pConnected:
                _mode.OnP2pConnected(sender);
                break;
            case MessageTypes.IceRestart:
                OnIceRestart(sender, message.Id);
                break;
            case MessageTypes.P2pFailed:
                _mode.OnP2pFailed(sender, message.Reason ?? "reported by client");
                break;
            case MessageTypes.TrackPublished:
                OnTrackPublished(sender, message.Track!);
                break;
            case MessageTypes.TrackUnpublished:
                if (sender.Tracks.RemoveAll(t => t.Id == message.Track!.Id) > 0)
                {
                    _members.Broadcast(new SignalMessage { Type = MessageTypes.TrackUnpublished, ParticipantId = sender.Id, Track = message.Track }, except: sender);
                }

                break;
            case MessageTypes.Mute:
                if (message.Muted == false && sender.OperatorMuted.Contains(message.Kind!))
                {
                    RoomMembers.SendError(sender, ErrorCodes.MutedByOperator, $"your {message.Kind} was muted by the operator; only the operator can unmute it", message.Id);
                    break;
                }

                if (message.Kind == "audio")
                {
                    sender.AudioMuted = message.Muted!.Value;
                }
                else
                {
                    sender.VideoMuted = message.Muted!.Value;
                }

                _members.Broadcast(new SignalMessage { Type = MessageTypes.Mute, ParticipantId = sender.Id, Kind = message.Kind, Muted = message.Muted }, except: sender);
                break;
            case MessageTypes.View:
                if (sender.Session?.SetView(message.Visible ?? [], message.Pinned ?? []) is { } viewError)
                {
                    RoomMembers.SendError(sender, viewError, "view not applied", message.Id);
                }

                break;
            case MessageTypes.RaiseHand:
                sender.HandRaised = message.Raised!.Value;
                _members.Broadcast(new SignalMessage { Type = MessageTypes.RaiseHand, ParticipantId = sender.Id, Raised = sender.HandRaised }, except: sender);
                break;
            case MessageTypes.SetName:
                OnSetName(sender, message);
                break;
            case MessageTypes.Chat:
                _members.Broadcast(new SignalMessage { Type = MessageTypes.Chat, ParticipantId = sender.Id, Name = sender.Name, Text = message.Text }, except: null);
                break;
            case MessageTypes.VideoSize:
                (sender.Session as ISimulcastSession)?.SetVideoSize(message.TrackId!, message.Width!.Value, message.Height!.Value);
                break;
            default:
                RoomMembers.SendError(sender, ErrorCodes.UnknownType, "message type not handled by rooms", message.Id);
                break;
        }
    }

    private void OnNegotiation(Participant sender, SignalMessage message)
    {
        if (message.Target == SignalTargets.Server)
        {
            if (sender.Session is not { } session)
            {
                RoomMembers.SendError(sender, ErrorCodes.NoServerSession, "this server has no media session for you", message.Id);
                return;
            }

            switch (message.Type)
            {
                case MessageTypes.Offer:
                    RoomMembers.SendError(sender, ErrorCodes.InvalidTarget, "the server always makes the offer on its connection; answer it", message.Id);
                    break;
                case MessageTypes.Answer:
                    if (session.ApplyAnswer(message.Sdp!) is { } error)
                    {
                        RoomMembers.SendError(sender, ErrorCodes.InvalidSdp, error, message.Id);
                    }

                    break;
                default:
                    session.AddRemoteCandidate(message.Candidate!);
                    break;
            }

            return;
        }

        // Relay to the peer: only between the two participants of the current P2P pairing.
        var peer = _mode.PeerOf(sender);
        if (peer is null || peer.Id != message.Target)
        {
            RoomMembers.SendError(sender, ErrorCodes.InvalidTarget, "target is neither \"server\" nor your current peer-to-peer peer", message.Id);
            return;
        }

        // RFC 8866: a description the peer's browser could not parse is refused here, not relayed.
        if (message.Sdp is not null && !Protocols.Sdp.SdpParser.TryParse(message.Sdp, out _, out var sdpError))
        {
            RoomMembers.SendError(sender, ErrorCodes.InvalidSdp, sdpError.ToString(), message.Id);
            return;
        }

        peer.Send(new SignalMessage
        {
            Type = message.Type,
            From = sender.Id,
            Sdp = message.Sdp,
            Candidate = message.Candidate,
        });
    }

    private void OnIceRestart(Participant sender, string? id)
    {
        if (sender.Session is not { } session)
        {
            RoomMembers.SendError(sender, ErrorCodes.NoServerSession, "no server connection to restart", id);
            return;
        }

        sender.IceRestarts ??= new ActionRateLimiter(_time, _settings.IceRestartsPerMinute, _settings.IceRestartMinInterval, "ICE restart");
        if (!sender.IceRestarts.TryAcquire(out var limited))
        {
            RoomMembers.SendError(sender, ErrorCodes.IceRestartRateLimited, limited, id);
            return;
        }

        if (session.RestartIce() is { } error)
        {
            RoomMembers.SendError(sender, ErrorCodes.NoServerSession, error, id);
            return;
        }

        _logger.LogInformation("Room {Room}: ICE restart for {Participant}", _room, sender.Id);
    }

    /// <summary>
    /// A rename: refused when the name is the token's (the organiser chose it), limited to
    /// <see cref="RenamesPerMinute"/> a minute one second apart (each one is a message to every member), then broadcast to
    /// everyone, the sender included, so every page shows the name the server holds.
    /// </summary>
    private void OnSetName(Participant sender, SignalMessage message)
    {
        if (sender.Connection.NameFromToken)
        {
            RoomMembers.SendError(sender, ErrorCodes.NotAllowed, "your name comes from your invitation (token) and cannot be changed here", message.Id);
            return;
        }

        var name = message.Name!.Trim();
        if (name == sender.Name)
        {
            return;
        }

        sender.Renames ??= new ActionRateLimiter(_time, RenamesPerMinute, TimeSpan.FromSeconds(1), "rename");
        if (!sender.Renames.TryAcquire(out var limited))
        {
            RoomMembers.SendError(sender, ErrorCodes.RateLimited, limited, message.Id);
            return;
        }

        sender.Name = name;
        _members.Broadcast(new SignalMessage { Type = MessageTypes.SetName, ParticipantId = sender.Id, Name = name }, except: null);
    }

    private void OnTrackPublished(Participant sender, TrackInfo track)
    {
        if (!sender.Connection.CanPublish)
        {
            RoomMembers.SendError(sender, ErrorCodes.NotAllowed, "your token does not allow publishing (canPublish is false)", null);
            return;
        }

        var index = sender.Tracks.FindIndex(t => t.Id == track.Id);
        if (index >= 0)
        {
            sender.Tracks[index] = track;
        }
        else if (sender.Tracks.Count < _settings.MaxTracksPerParticipant)
        {
            sender.Tracks.Add(track);
            _events.OnTrackPublished(_room, sender.ToInfo(), track, _members.Count);
        }
        else
        {
            // Over the limit: only the sender hears of it; the room and the others see nothing.
            RoomMembers.SendError(sender, ErrorCodes.TooManyTracks, $"at most {_settings.MaxTracksPerParticipant} published tracks per participant; unpublish one first", null);
            return;
        }

        _members.Broadcast(new SignalMessage { Type = MessageTypes.TrackPublished, ParticipantId = sender.Id, Track = track }, except: sender);
    }
}
