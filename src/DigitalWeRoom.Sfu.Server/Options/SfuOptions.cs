using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>
/// Every setting of the server, bound from the <c>Sfu</c> section (appsettings.json, then environment
/// variables such as <c>Sfu__Udp__Port=7882</c>). Defaults run everything on one machine with no
/// external services. Checked at start-up by <see cref="SfuOptionsValidator"/>; a sample with
/// comments is in docs/configuration.sample.jsonc.
/// </summary>
public sealed class SfuOptions
{
    public const string SectionName = "Sfu";

    public HttpSettings Http { get; set; } = new();

    public UdpSettings Udp { get; set; } = new();

    /// <summary>Passive ICE-TCP (RFC 6544) for participants whose UDP to the server is blocked.</summary>
    public TcpSettings Tcp { get; set; } = new();

    /// <summary>
    /// ICE servers handed to browsers for their peer-to-peer connection (stun:, stuns:, turn:, turns: URLs).
    /// Empty: the server's own UDP port acts as STUN server, <c>stun:&lt;host the page was loaded from&gt;:&lt;Udp.Port&gt;</c>.
    /// </summary>
    public List<IceServerSettings> IceServers { get; set; } = [];

    /// <summary>
    /// A TURN server (coturn with <c>use-auth-secret</c>) for which the server mints short-lived credentials per join;
    /// sent in <c>joined.iceServers</c> after <see cref="IceServers"/>, for the peer-to-peer and the server connection.
    /// </summary>
    public TurnSettings Turn { get; set; } = new();

    /// <summary>Two-person rooms go browser to browser; false keeps every room on the server path.</summary>
    public bool P2PEnabled { get; set; } = true;

    /// <summary>How long a room that dropped from three to two waits before going back to peer-to-peer.</summary>
    public TimeSpan BackToP2PDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long two browsers get to connect peer-to-peer before the room stays on the server path.</summary>
    public TimeSpan P2PConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public LimitSettings Limits { get; set; } = new();

    /// <summary>Camera simulcast and dynacast on the server path.</summary>
    public SimulcastSettings Simulcast { get; set; } = new();

    /// <summary>
    /// On SIGTERM the server stops taking joins, tells every participant (<c>draining</c>) and waits this long
    /// for the rooms to empty before it closes the remaining connections and exits. A second SIGTERM exits at once.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Media routing knobs (Sfu:Media).</summary>
    public MediaSettings Media { get; set; } = new();

    /// <summary>The meeting page (Sfu:Page).</summary>
    public PageSettings Page { get; set; } = new();

    /// <summary>Who may embed the meeting page (Sfu:Embed).</summary>
    public EmbedSettings Embed { get; set; } = new();

    /// <summary>
    /// When set, <c>GET /api/rooms</c> requires <c>Authorization: Bearer &lt;AdminKey&gt;</c> (at least 16 characters).
    /// When unset, the API answers only requests from loopback addresses.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>The name of this deployment shown in the meeting page's title and header (the deploy wizard's name).</summary>
    public string DisplayName { get; set; } = "DigitalWeRoom";
}

public sealed class HttpSettings
{
    /// <summary>
    /// Where the page, signaling and API listen. Ignored when the standard <c>urls</c> setting
    /// (ASPNETCORE_URLS, --urls) is given.
    /// </summary>
    public string Listen { get; set; } = "http://localhost:7880";

    /// <summary>
    /// Browser origins (<c>https://meet.example.org</c>) besides the page's own that may open the signaling socket and make
    /// state-changing API calls; a loopback caller may also use their host names (<see cref="Networking.OriginPolicy"/>).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

public sealed class UdpSettings
{
    /// <summary>The one media port (ICE, DTLS, SRTP; also answers plain STUN binding requests). 0 picks a free port.</summary>
    public int Port { get; set; } = 7882;

    /// <summary>Address the media socket binds to; <c>::</c> is dual-stack (IPv6 and IPv4).</summary>
    public string BindAddress { get; set; } = "::";

    /// <summary>Addresses put into ICE candidates; when empty they are detected (see <see cref="AutoDetectAddresses"/>).</summary>
    public List<string> AnnouncedAddresses { get; set; } = [];

    /// <summary>
    /// Addresses announced besides the configured or detected ones, for peers that only this host's neighbours reach:
    /// the private address a TURN server on the same host or network relays to (deploy/tfgrid: coturn on the grid
    /// VM relays IPv4-only participants to the VM's private address). Never replaces the public ones.
    /// </summary>
    public List<string> AlsoAnnounce { get; set; } = [];

    /// <summary>
    /// STUN servers (<c>host:port</c>, <c>[v6]:port</c>) asked at start-up, through the media socket, for its public
    /// mapped address: a server behind a 1:1 NAT (a cloud VM with a private interface address) announces what they see.
    /// Bounded (2 s in all); an unreachable server is logged and the server starts without it.
    /// </summary>
    public List<string> StunServers { get; set; } = [];

    /// <summary>
    /// Detect global IPv6 and IPv4 interface addresses when <see cref="AnnouncedAddresses"/> is empty.
    /// A loopback bind address, or a host with no other address, announces 127.0.0.1 and ::1.
    /// </summary>
    public bool AutoDetectAddresses { get; set; } = true;

    /// <summary>
    /// RFC 7675 §5.1 consent freshness: a participant whose ICE checks stop for this long (its process died,
    /// its network went away) loses its server connection and is removed from its room. 30 s by the RFC.
    /// </summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Linux nice (1..19) of the threads that run DTLS handshakes (the bulk of a join's CPU), so a storm of joins
    /// yields the CPU to the media threads of rooms already running; 0 leaves them at the process's priority.
    /// </summary>
    public int DtlsHandshakeNice { get; set; } = ThreadNiceness.JoinWork;

    /// <summary>
    /// The DTLS handshake's P-256 ECDSA (our signature and the check of the peer's) runs in OpenSSL: a handshake takes
    /// about a quarter less CPU and allocates a quarter of the memory. BouncyCastle keeps the protocol and the ECDHE.
    /// False runs all of it in BouncyCastle: a fallback, and the baseline of the join benchmarks.
    /// </summary>
    public bool DtlsOpenSsl { get; set; } = true;

    /// <summary>
    /// Kernel receive buffer of the media port's sockets (bytes): the datagrams that arrive while the receive loop
    /// does not run (a storm of joins: handshakes, signaling) wait here, and what does not fit is lost for every room
    /// alike. 16 MiB holds over 10,000 media datagrams
    /// (the kernel counts about 2 KiB for each), seconds of a busy port's input. Beyond net.core.rmem_max the server
    /// forces it when it may (CAP_NET_ADMIN), else it gets rmem_max.
    /// </summary>
    public int ReceiveBufferBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Sockets on the media port (Linux, SO_REUSEPORT), each read by a receive loop of its own: a publisher's packets
    /// stay on one loop (the port steers each remote address and port to one socket), and the publishers of a host
    /// are spread over the loops, so one packet does not wait in the socket behind the decryption and fan-out of
    /// the others'. 0 (default): one per core, at most <see cref="AutoReceiveSocketsMax"/>. 1..16: that many.
    /// Elsewhere than Linux: 1. Measured on 2 cores, quiet, Native AOT (docs/benchmarks.md, "Receive loops"): 2 loops
    /// against 1 interleaved in the same minutes, a 6-person meeting's video p50 0.78×, p99 0.77×, audio p50 0.80×,
    /// at 1.06× the CPU per forwarded packet and about 4 MB more RSS.
    /// </summary>
    public int ReceiveSockets { get; set; }

    /// <summary>The most receive loops <see cref="ReceiveSockets"/> = 0 gives.</summary>
    public const int AutoReceiveSocketsMax = 4;

    /// <summary>The number of receive sockets <see cref="ReceiveSockets"/> asks for on a host of <paramref name="cores"/> cores.</summary>
    public int EffectiveReceiveSockets(int cores) => ReceiveSockets > 0 ? ReceiveSockets : Math.Clamp(cores, 1, AutoReceiveSocketsMax);
}

public sealed class TcpSettings
{
    /// <summary>
    /// Offer passive ICE-TCP candidates (lower priority than UDP, so a browser uses them only when UDP fails).
    /// The same bind and announced addresses as <see cref="UdpSettings"/>.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ICE-TCP port; 0 picks a free port.</summary>
    public int Port { get; set; } = 7881;

    /// <summary>Open connections in all; more are refused.</summary>
    public int MaxConnections { get; set; } = 2048;

    /// <summary>Open connections from one address; more are refused.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 16;

    /// <summary>A connection that passes no valid STUN check within this time is closed (half-open, slowloris).</summary>
    public TimeSpan IceTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class TurnSettings
{
    /// <summary>turn: and turns: URLs, e.g. <c>turn:meet.example.org:3478?transport=udp</c>, <c>turns:turn.example.org:443?transport=tcp</c>.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>coturn's <c>static-auth-secret</c> (at least 16 characters); unset: no TURN credentials are minted.</summary>
    public string? Secret { get; set; }

    /// <summary>How long minted credentials stay valid (coturn refuses them afterwards).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);
}

public sealed class IceServerSettings
{
    public List<string> Urls { get; set; } = [];

    public string? Username { get; set; }

    public string? Credential { get; set; }
}

public sealed class LimitSettings
{
    public int MaxRooms { get; set; } = 1000;

    public int MaxParticipantsPerRoom { get; set; } = 16;

    /// <summary>Largest signaling message accepted, in bytes (an SDP offer with many m-lines is ~10-20 KiB).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Messages per second one connection may send (bursts of twice this are allowed).</summary>
    public int MessagesPerSecond { get; set; } = 50;

    /// <summary>Joins per client IP address (IPv6: per /64) per minute.</summary>
    public int JoinsPerIpPerMinute { get; set; } = 30;

    /// <summary>Open signaling WebSockets per client IP address (IPv6: per /64); more get HTTP 429 before the upgrade.</summary>
    public int ConnectionsPerIp { get; set; } = 50;

    /// <summary>Open signaling WebSockets in total; more get HTTP 503 before the upgrade.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Tracks one participant may publish (microphone, camera, screen: 3); more get a <c>too-many-tracks</c> error.</summary>
    public int MaxTracksPerParticipant { get; set; } = 4;

    /// <summary>Longest chat message, in characters.</summary>
    public int MaxChatLength { get; set; } = 1000;

    /// <summary>Messages queued towards one client before it is considered stuck and disconnected.</summary>
    public int SendQueueLength { get; set; } = 256;

    /// <summary>
    /// Above this many participants a room tells joins and leaves in batches: one <c>participants-changed</c> per
    /// member per <see cref="PresenceBatchWindow"/> instead of a <c>participant-joined</c> to every member per join
    /// (docs/signaling.md).
    /// </summary>
    public int PresenceBatchAbove { get; set; } = 50;

    /// <summary>How long a large room gathers joins and leaves before it tells its members.</summary>
    public TimeSpan PresenceBatchWindow { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A signaling connection that sends nothing (the page pings every 10 s) for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>ICE restarts (<c>ice-restart</c>) one participant may ask for per minute.</summary>
    public int IceRestartsPerMinute { get; set; } = 5;

    /// <summary>Shortest time between two ICE restarts of one participant.</summary>
    public TimeSpan IceRestartMinInterval { get; set; } = TimeSpan.FromSeconds(5);
}
