using System.Buffers;
using System.Net.WebSockets;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// Reads one whole signaling message. It waits for the message with a zero-byte read, so an idle connection holds no
/// receive buffer; a buffer of <c>Sfu:Limits:MaxMessageBytes</c> is rented once a message arrives and returned when
/// the caller disposes the <see cref="ReceivedMessage"/> (issue #12, finding 5). The buffer starts at
/// <see cref="InitialBytes"/> and is traded for one twice as large only when a message outgrows it, up to the cap:
/// renting the cap itself (384 KiB in the load tests, for 60-person answers) for every 1 KB message left a dozen
/// 512 KiB arrays cached in the shared pool, 7.8 MB of the server's large-object heap (gcdump, issue 16 item 4). Past
/// the cap, the rest of the message is read into the buffer and thrown away, and the message is marked oversized.
/// </summary>
internal static class SignalingMessageReader
{
    /// <summary>The first buffer of a message: most signaling messages (candidates, small answers) are a few KB.</summary>
    internal const int InitialBytes = 16 * 1024;

    private static int s_buffersHeld;

    /// <summary>Receive buffers held by all connections right now.</summary>
    internal static int BuffersHeld => Volatile.Read(ref s_buffersHeld);

    /// <summary>The next message, or null when the client sent a close frame.</summary>
    public static async ValueTask<ReceivedMessage?> ReadAsync(WebSocket socket, int max, CancellationToken cancel)
    {
        ValueWebSocketReceiveResult result = await socket.ReceiveAsync(Memory<byte>.Empty, cancel);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max, InitialBytes));
        Interlocked.Increment(ref s_buffersHeld);
        var handedOver = false;
        try
        {
            var length = 0;
            var oversized = false;
            while (!result.EndOfMessage)
            {
                var capacity = Math.Min(buffer.Length, max);
                if (length == capacity && capacity < max)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(max, capacity * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    capacity = Math.Min(buffer.Length, max);
                }

                var space = length < capacity ? buffer.AsMemory(length, capacity - length) : buffer.AsMemory(0, capacity);
                result = await socket.ReceiveAsync(space, cancel);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                if (length < max)
                {
                    length += result.Count;
                }

                if (length >= max && !result.EndOfMessage)
                {
                    oversized = true;
                    length = max;
                }
            }

            handedOver = true;
            return new ReceivedMessage(buffer, length, oversized);
        }
        finally
        {
            if (!handedOver)
            {
                Release(buffer);
            }
        }
    }

    private static void Release(byte[] buffer)
    {
        Interlocked.Decrement(ref s_buffersHeld);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>One message in a rented buffer; dispose it once, when the message is handled.</summary>
    internal readonly struct ReceivedMessage(byte[] buffer, int length, bool oversized) : IDisposable
    {
        public ReadOnlyMemory<byte> Data => buffer.AsMemory(0, length);

        /// <summary>The size of the buffer the message is in.</summary>
        internal int BufferLength => buffer.Length;

        /// <summary>Longer than the cap: <see cref="Data"/> holds only a part of it.</summary>
        public bool Oversized => oversized;

        public void Dispose() => Release(buffer);
    }
}
