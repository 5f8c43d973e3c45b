using System.Net;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server;

/// <summary>
/// Binds the media port at start-up, so a misconfiguration shows at once (and STUN answers early), and says when the
/// announced addresses cannot be reached from elsewhere or the STUN servers did not answer, and when a full room's SDP
/// answers would not fit the signaling message limit.
/// </summary>
internal sealed class SfuMediaHostedService(SfuMediaHost host, IOptions<SfuOptions> options, ILogger<SfuMediaHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (MessageSizeAdvice.Warning(options.Value.Limits) is { } sizeWarning)
        {
            logger.LogWarning("Signaling: {Warning}", sizeWarning);
        }

        try
        {
            var endpoint = host.Endpoint;
            if (endpoint.Options.StunServers.Count > 0)
            {
                if (endpoint.MappedAddresses.Count > 0)
                {
                    logger.LogInformation("Media: STUN servers see the media port as {Mapped}", string.Join(", ", endpoint.MappedAddresses));
                }

                if (endpoint.StunServersUnanswered > 0)
                {
                    logger.LogWarning("Media: {Count} of {Total} STUN server addresses (Sfu:Udp:StunServers) did not answer within {Timeout}",
                        endpoint.StunServersUnanswered, endpoint.Options.StunServers.Count, endpoint.Options.StunTimeout);
                }
            }

            if (MediaAddressAdvice.Warning(endpoint.LocalCandidates.Select(c => c.Address)) is { } warning)
            {
                logger.LogWarning("Media: {Warning}", warning);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Logged by the host; the next room retries.
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The media path's settings from the <c>Sfu</c> configuration tree.</summary>
    public static SfuMediaSettings Settings(SfuOptions options, AnnouncedAddresses announced, TimeProvider time) => new()
    {
        Udp = new UdpEndpointOptions
        {
            BindAddress = IPAddress.Parse(options.Udp.BindAddress),
            Port = options.Udp.Port,
            AnnouncedAddresses = announced.Addresses,
            StunServers = StunServerList.Resolve(options.Udp.StunServers),
            BindEachAddress = true,
            LaneSendSockets = true,
            TimeProvider = time,
            ConsentTimeout = options.Udp.ConsentTimeout,
            ConsentCheckInterval = TimeSpan.FromMilliseconds(Math.Min(1000, options.Udp.ConsentTimeout.TotalMilliseconds / 4)),
            DtlsHandshakeNice = options.Udp.DtlsHandshakeNice,
            DtlsOpenSsl = options.Udp.DtlsOpenSsl,
            ReceiveBufferSize = options.Udp.ReceiveBufferBytes,
            ReceiveSockets = options.Udp.EffectiveReceiveSockets(Environment.ProcessorCount),
        },
        Tcp = options.Tcp.Enabled ? new IceTcpEndpointOptions
        {
            BindAddress = IPAddress.Parse(options.Udp.BindAddress),
            Port = options.Tcp.Port,
            AnnouncedAddresses = announced.Addresses,
            MaxConnections = options.Tcp.MaxConnections,
            MaxConnectionsPerAddress = options.Tcp.MaxConnectionsPerAddress,
            IceTimeout = options.Tcp.IceTimeout,
            IdleTimeout = options.Udp.ConsentTimeout,
        } : null,
        Simulcast = options.Simulcast,
        LastN = options.Media.LastN,
        KeyFrameRequestMinInterval = options.Media.KeyFrameRequestMinInterval,
        SendWorkers = options.Media.SendWorkers,
        SendQueueCapacity = options.Media.SendQueueCapacity,
        Pacing = options.Media.Pacing,
    };
}
