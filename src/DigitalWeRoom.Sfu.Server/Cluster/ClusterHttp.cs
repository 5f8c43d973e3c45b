namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>Node-to-node HTTP (health probes, Room API calls routed to a room's owner), to registered node URLs only.</summary>
internal sealed class ClusterHttp : IDisposable
{
    /// <summary>Set on requests one node forwards to another: the receiver answers from its own rooms only (no second hop).</summary>
    public const string HopHeader = "X-Dwr-Cluster-Hop";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(800);

    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>GET /healthz/live on the node's registered URL; false on any failure within 800 ms.</summary>
    public async Task<bool> IsLiveAsync(NodeEntry entry, CancellationToken cancellationToken)
    {
        if (!NodeIds.IsValidBaseUrl(entry.SignalingUrl, out var baseUrl))
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await Client.GetAsync(new Uri(baseUrl!, "/healthz/live"), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => Client.Dispose();
}
