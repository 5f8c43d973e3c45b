namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// One transport's ICE credentials across restarts (RFC 8445 §9): ours, the current ones and, during a restart, the
/// previous ones (both registered on the port, so a restart whose offer is lost costs nothing), and the peer's ufrag
/// and password. The first check authenticated with our new credentials ends the restart.
/// </summary>
internal sealed class IceSessionCredentials(IceCredentials local, string? remoteUfrag, string? remotePassword)
{
    private readonly object _lock = new();
    private volatile IceCredentials _local = local;
    private volatile IceCredentials? _previousLocal;
    private volatile string? _remoteUfrag = remoteUfrag;
    private volatile string? _previousRemoteUfrag;

    /// <summary>Our current credentials (new ones after an ICE restart).</summary>
    public IceCredentials Local => _local;

    public string? RemoteUfrag => _remoteUfrag;

    public string? RemotePassword { get; private set; } = remotePassword;

    /// <summary>ICE restarts begun.</summary>
    public int Restarts { get; private set; }

    /// <summary>
    /// <paramref name="fresh"/> become our credentials and are registered for <paramref name="owner"/> in
    /// <paramref name="directory"/>; the ones before the current stay valid until confirmed, older ones are dropped.
    /// </summary>
    public void BeginRestart(IceCredentials fresh, TransportDirectory directory, WebRtcTransport owner)
    {
        lock (_lock)
        {
            if (_previousLocal is { } older)
            {
                directory.RemoveUfrag(older.Ufrag, owner);
            }
            if (!directory.AddUfrag(fresh.Ufrag, owner))
            {
                ThrowHelper.ThrowInvalidOperation("Local ICE ufrag already in use on this endpoint.");
            }
            _previousLocal = _local;
            _local = fresh;
            Restarts++;
        }
    }

    /// <summary>The peer's ice-ufrag/ice-pwd from its latest description; a change is its side of an ICE restart.</summary>
    public void SetRemote(string ufrag, string password)
    {
        lock (_lock)
        {
            if (_remoteUfrag != ufrag)
            {
                _previousRemoteUfrag = _remoteUfrag;
                _remoteUfrag = ufrag;
            }
            RemotePassword = password;
        }
    }

    /// <summary>The MESSAGE-INTEGRITY key for checks to <paramref name="localUfrag"/>: current or, during a restart, previous.</summary>
    public byte[]? PasswordFor(ReadOnlySpan<byte> localUfrag)
    {
        IceCredentials current = _local;
        if (AsciiEquals(localUfrag, current.Ufrag))
        {
            return current.PasswordBytes;
        }
        return _previousLocal is { } previous && AsciiEquals(localUfrag, previous.Ufrag) ? previous.PasswordBytes : null;
    }

    /// <summary>Whether a check's peer ufrag is the peer's current one (or its previous one during a restart).</summary>
    public bool AcceptsRemoteUfrag(ReadOnlySpan<byte> remoteUfrag)
    {
        string? current = _remoteUfrag;
        return current is null || AsciiEquals(remoteUfrag, current)
            || (_previousRemoteUfrag is { } previous && AsciiEquals(remoteUfrag, previous));
    }

    /// <summary>A check authenticated with our current credentials ends a restart: the previous ones are dropped.</summary>
    public void ConfirmLocalUfrag(ReadOnlySpan<byte> localUfrag, TransportDirectory directory, WebRtcTransport owner)
    {
        if (_previousLocal is null || !AsciiEquals(localUfrag, _local.Ufrag))
        {
            return;
        }
        lock (_lock)
        {
            if (_previousLocal is { } previous && AsciiEquals(localUfrag, _local.Ufrag))
            {
                directory.RemoveUfrag(previous.Ufrag, owner);
                _previousLocal = null;
                _previousRemoteUfrag = null;
            }
        }
    }

    /// <summary>Every local ufrag the transport is reachable by (one, two during a restart).</summary>
    public IEnumerable<string> LocalUfrags() =>
        _previousLocal is { } previous ? [_local.Ufrag, previous.Ufrag] : [_local.Ufrag];

    private static bool AsciiEquals(ReadOnlySpan<byte> utf8, string text) =>
        utf8.Length == text.Length && System.Text.Ascii.Equals(utf8, text);
}
