using System.Diagnostics.CodeAnalysis;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Remote tuple → owner, for tuples that ICE has validated (a check with good MESSAGE-INTEGRITY
/// came from them). DTLS and SRTP from any other address are dropped before anything parses them
/// (no DTLS from an unvalidated address: the CVE-2023-51443 class of ClientHello races). Lookups
/// use a value-type key and never allocate.
/// </summary>
internal sealed class TupleTable<T>
    where T : class
{
    private readonly ConcurrentDictionary<TransportTuple, T> _map = new();

    public int Count => _map.Count;

    public bool TryGet(in TransportTuple tuple, [MaybeNullWhen(false)] out T owner) => _map.TryGetValue(tuple, out owner);

    /// <summary>
    /// Gives the tuple to <paramref name="owner"/> unless another owner holds it: a tuple of a live transport is never
    /// taken over (a check signed with one participant's password from another's spoofed address would move that
    /// participant's media). True when <paramref name="owner"/> holds it now.
    /// </summary>
    public bool TryClaim(in TransportTuple tuple, T owner) => ReferenceEquals(_map.GetOrAdd(tuple, owner), owner);

    /// <summary>Removes the tuple if it still belongs to <paramref name="owner"/>.</summary>
    public bool Remove(in TransportTuple tuple, T owner) =>
        _map.TryRemove(new KeyValuePair<TransportTuple, T>(tuple, owner));

    /// <summary>Removes every tuple of <paramref name="owner"/> (on close).</summary>
    public void RemoveAll(T owner)
    {
        foreach (var pair in _map)
        {
            if (ReferenceEquals(pair.Value, owner))
            {
                _map.TryRemove(pair);
            }
        }
    }
}
