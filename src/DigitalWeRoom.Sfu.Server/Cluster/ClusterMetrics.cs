using System.Diagnostics;
using System.Diagnostics.Metrics;
using DigitalWeRoom.Sfu.Server.Telemetry;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>The cluster's series on this node's <c>/metrics</c> (docs/metrics.md), each labelled <c>node_id</c>.</summary>
internal sealed class ClusterMetrics
{
    public const string MeterName = "DigitalWeRoom.Sfu.Cluster";

    private readonly Counter<long> _placements;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _redisErrors;
    private readonly Counter<long> _badEntries;
    private readonly KeyValuePair<string, object?> _node;

    public ClusterMetrics(IMeterFactory meterFactory, string nodeId, Func<int> redisUp, Func<int> liveNodes)
    {
        _node = new(MetricLabels.NodeId, nodeId);
        var meter = meterFactory.Create(new MeterOptions(MeterName) { Tags = [_node] });
        _placements = meter.CreateCounter<long>("sfu_cluster_placements", description: "Joins placed by this node, by outcome (local, placed, redirect, takeover, refused; migrated: a room handed over on drain).");
        _fallbacks = meter.CreateCounter<long>("sfu_cluster_local_fallbacks", description: "New rooms placed on this node without Redis (Redis unreachable).");
        _redisErrors = meter.CreateCounter<long>("sfu_cluster_redis_errors", description: "Redis operations that failed or timed out.");
        _badEntries = meter.CreateCounter<long>("sfu_cluster_bad_entries", description: "Node entries read from Redis and refused (garbage, bad id or URL).");
        meter.CreateObservableGauge("sfu_cluster_redis_up", redisUp, description: "1 while this node reaches Redis.");
        meter.CreateObservableGauge("sfu_cluster_nodes", liveNodes, description: "Live nodes in the registry as this node last read it.");
    }

    public void Placement(string outcome) => _placements.Add(1, new TagList { _node, { MetricLabels.Outcome, outcome } });

    public void LocalFallback() => _fallbacks.Add(1, new TagList { _node });

    public void RedisError() => _redisErrors.Add(1, new TagList { _node });

    public void BadEntry() => _badEntries.Add(1, new TagList { _node });
}
