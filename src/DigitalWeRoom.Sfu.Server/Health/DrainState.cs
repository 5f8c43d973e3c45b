namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>
/// Whether this node is draining: it keeps serving its rooms but reports not-ready so a load balancer
/// or orchestrator sends no new rooms. Set by <c>POST /api/admin/drain</c>, by host shutdown
/// (ApplicationStopping), or by any component that calls <see cref="BeginDrain"/>.
/// </summary>
public sealed class DrainState
{
    private volatile string? _reason;

    public bool IsDraining => _reason is not null;

    public string? Reason => _reason;

    /// <summary>
    /// The process is stopping (SIGTERM, SIGINT, host stop): every join is refused, not only joins that would
    /// open a new room, and an operator cannot cancel it.
    /// </summary>
    public bool IsShuttingDown { get; private set; }

    public void BeginDrain(string reason) => _reason ??= reason;

    public void BeginShutdown(string reason)
    {
        IsShuttingDown = true;
        _reason = reason;
    }

    /// <summary>Back to accepting new rooms (an operator cancelled the drain); a shutdown stays.</summary>
    public void EndDrain()
    {
        if (!IsShuttingDown)
        {
            _reason = null;
        }
    }
}
