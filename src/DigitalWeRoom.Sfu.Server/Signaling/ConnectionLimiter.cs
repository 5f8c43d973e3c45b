using System.Net;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// Open signaling WebSockets, bounded in total (<c>Sfu:Limits:MaxConnections</c>) and per client
/// (<c>Sfu:Limits:ConnectionsPerIp</c>, keyed by <see cref="Networking.ClientAddressKey"/>: IPv6 by /64, after the trusted
/// proxy). Checked before the upgrade, so a refused client costs no WebSocket and no buffer. Opening and closing a
/// connection is not on the media path: one lock is enough.
/// </summary>
internal sealed class ConnectionLimiter(IOptions<SfuOptions> options)
{
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private readonly Lock _gate = new();
    private int _total;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a place for <paramref name="address"/>; dispose the lease when the connection ends.</summary>
    public ConnectionAdmission TryEnter(IPAddress? address, out IDisposable? lease)
    {
        LimitSettings limits = options.Value.Limits;
        IPAddress key = Networking.ClientAddressKey.For(address);
        lease = null;
        lock (_gate)
        {
            if (_total >= limits.MaxConnections)
            {
                return ConnectionAdmission.ServerFull;
            }

            int count = _perClient.GetValueOrDefault(key);
            if (count >= limits.ConnectionsPerIp)
            {
                return ConnectionAdmission.ClientFull;
            }

            _perClient[key] = count + 1;
            _total++;
        }

        lease = new Lease(this, key);
        return ConnectionAdmission.Admitted;
    }

    private void Leave(IPAddress key)
    {
        lock (_gate)
        {
            _total--;
            int count = _perClient.GetValueOrDefault(key) - 1;
            if (count <= 0)
            {
                _perClient.Remove(key);
            }
            else
            {
                _perClient[key] = count;
            }
        }
    }

    private sealed class Lease(ConnectionLimiter owner, IPAddress key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(key);
            }
        }
    }
}

internal enum ConnectionAdmission
{
    Admitted,
    ClientFull,
    ServerFull,
}
