using System.Net.WebSockets;
using System.Threading.Channels;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// The send side of one signaling WebSocket: the room loop queues messages without ever waiting, and one send loop
/// encodes and writes them in order. A client that does not read fills the bounded queue and is aborted rather than
/// let the queue grow or block the room; a dismissed client gets the queue flushed, then a close frame with the code.
/// </summary>
internal sealed class SignalingOutbox
{
    private readonly WebSocket _socket;
    private readonly SignalEncoding _encoding;
    private readonly Channel<SignalMessage> _queue;
    private readonly CancellationTokenSource _dismissed = new();
    private volatile string? _disconnectReason;
    private volatile bool _closing;

    public SignalingOutbox(WebSocket socket, SignalEncoding encoding, int capacity)
    {
        _socket = socket;
        _encoding = encoding;
        _queue = Channel.CreateBounded<SignalMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Cancelled 2 s after a dismissal's close frame: the receive side stops waiting for a client that vanished.</summary>
    public CancellationToken Dismissed => _dismissed.Token;

    /// <summary>
    /// Queues <paramref name="message"/>. False when it is for nobody (closing, or dismissed) or the queue is full; in
    /// the last case <paramref name="overflowed"/> is set and the socket is aborted: the client does not read.
    /// </summary>
    public bool TryEnqueue(SignalMessage message, out bool overflowed)
    {
        overflowed = false;
        if (_closing)
        {
            // The client closed or vanished and its leave is on the room's queue: what the room sends until then
            // (a mass leave's participant-left, for one) is for nobody; it is not a slow reader.
            return false;
        }

        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        if (_disconnectReason is not null)
        {
            // Dismissed by the room: what it sends afterwards is not for us.
            return false;
        }

        overflowed = true;
        _queue.Writer.TryComplete();
        _socket.Abort();
        return false;
    }

    /// <summary>The room let the participant go: what is queued is sent, then a close frame with <paramref name="code"/>.</summary>
    public void Dismiss(string code)
    {
        _disconnectReason = code;
        _queue.Writer.TryComplete();
    }

    /// <summary>The client went away: nothing more is queued from now on.</summary>
    public void BeginClosing() => _closing = true;

    /// <summary>Ends the send loop once the queue is flushed.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>The send loop: until <see cref="Complete"/> or <see cref="Dismiss"/>, or the socket fails.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        var messageType = _encoding == SignalEncoding.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(aborted))
            {
                var bytes = SignalingCodec.Encode(message, _encoding);
                await _socket.SendAsync(bytes, messageType, endOfMessage: true, aborted);
            }

            if (_disconnectReason is { } reason)
            {
                // Dismissed: say why in the close frame, give the client 2 s to answer it, then stop reading
                // (a vanished client never answers the close).
                _dismissed.CancelAfter(TimeSpan.FromSeconds(2));
                using var closeTimeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                closeTimeout.CancelAfter(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, closeTimeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }
}
