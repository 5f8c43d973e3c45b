using System.Net;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>Rejects an unusable configuration at start-up (ValidateOnStart), naming every bad key.</summary>
/// <param name="configuration">The host's configuration, where an https listen address finds its certificate.</param>
internal sealed class SfuOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<SfuOptions>
{
    public ValidateOptionsResult Validate(string? name, SfuOptions options)
    {
        var errors = new List<string>();

        errors.AddRange(ListenAddress.Validate(options.Http.Listen, configuration));

        if (options.Simulcast.Validate() is { } simulcast)
        {
            errors.Add($"Sfu:{simulcast}.");
        }

        if (Rooms.Negotiation.VideoCodecCatalog.Validate(options.Media.VideoCodecPreference) is { } codecs)
        {
            errors.Add($"Sfu:Media:{codecs}.");
        }

        foreach (var origin in options.Embed.AllowedOrigins)
        {
            if (!Endpoints.EmbedPolicy.IsOrigin(origin))
            {
                errors.Add($"Sfu:Embed:AllowedOrigins '{origin}' must be an origin such as https://app.example (scheme, host, optional port; no path).");
            }
        }

        if (options.Page.SummariesPerIpPerMinute is < 1 or > 10_000)
        {
            errors.Add($"Sfu:Page:SummariesPerIpPerMinute {options.Page.SummariesPerIpPerMinute} must be 1-10000.");
        }

        if (options.Media.LastN is < 1 or > 1000)
        {
            errors.Add($"Sfu:Media:LastN {options.Media.LastN} must be 1-1000.");
        }

        if (options.Media.SendWorkers is < 0 or > 64)
        {
            errors.Add($"Sfu:Media:SendWorkers {options.Media.SendWorkers} must be 0-64 (0: one per core).");
        }
        if (options.Media.SendQueueCapacity is < 16 or > 4096 || !int.IsPow2(options.Media.SendQueueCapacity))
        {
            errors.Add($"Sfu:Media:SendQueueCapacity {options.Media.SendQueueCapacity} must be a power of two, 16-4096.");
        }
        if (options.Media.KeyFrameRequestMinInterval < TimeSpan.FromMilliseconds(50) || options.Media.KeyFrameRequestMinInterval > TimeSpan.FromSeconds(60))
        {
            errors.Add($"Sfu:Media:KeyFrameRequestMinInterval {options.Media.KeyFrameRequestMinInterval} must be 00:00:00.050-00:01:00.");
        }

        if (options.Udp.Port is < 0 or > 65535)
        {
            errors.Add($"Sfu:Udp:Port {options.Udp.Port} must be 0-65535.");
        }

        if (options.Tcp.Port is < 0 or > 65535)
        {
            errors.Add($"Sfu:Tcp:Port {options.Tcp.Port} must be 0-65535.");
        }

        if (options.Tcp.MaxConnections < 1 || options.Tcp.MaxConnectionsPerAddress < 1 || options.Tcp.IceTimeout <= TimeSpan.Zero)
        {
            errors.Add("Sfu:Tcp:MaxConnections and MaxConnectionsPerAddress must be at least 1, IceTimeout positive.");
        }

        if (!IPAddress.TryParse(options.Udp.BindAddress, out _))
        {
            errors.Add($"Sfu:Udp:BindAddress '{options.Udp.BindAddress}' is not an IP address.");
        }

        foreach (var (list, setting) in new[] { (options.Udp.AnnouncedAddresses, "AnnouncedAddresses"), (options.Udp.AlsoAnnounce, "AlsoAnnounce") })
        {
            foreach (var address in list.Where(a => !IPAddress.TryParse(a, out _)))
            {
                errors.Add($"Sfu:Udp:{setting} entry '{address}' is not an IP address.");
            }
        }

        foreach (var server in options.Udp.StunServers.Where(s => StunServerList.Split(s) is null))
        {
            errors.Add($"Sfu:Udp:StunServers entry '{server}' is not host:port.");
        }

        if (options.Turn.Urls.Count > 0 && (options.Turn.Secret is null || options.Turn.Secret.Length < 16))
        {
            errors.Add("Sfu:Turn:Secret must be set (at least 16 characters) when Sfu:Turn:Urls are given.");
        }

        foreach (var url in options.Turn.Urls)
        {
            if (!url.StartsWith("turn:", StringComparison.Ordinal) && !url.StartsWith("turns:", StringComparison.Ordinal))
            {
                errors.Add($"Sfu:Turn:Urls entry '{url}' must be a turn: or turns: URL (RFC 7065).");
            }
        }

        if (options.Turn.Ttl < TimeSpan.FromSeconds(10) || options.Turn.Ttl > TimeSpan.FromDays(1))
        {
            errors.Add($"Sfu:Turn:Ttl {options.Turn.Ttl} must be 00:00:10-1.00:00:00.");
        }

        for (var i = 0; i < options.IceServers.Count; i++)
        {
            var server = options.IceServers[i];
            if (server.Urls.Count == 0)
            {
                errors.Add($"Sfu:IceServers:{i}:Urls is empty.");
            }

            foreach (var url in server.Urls)
            {
                var scheme = url.Split(':', 2)[0];
                if (scheme is not ("stun" or "stuns" or "turn" or "turns") || url.Length <= scheme.Length + 1)
                {
                    errors.Add($"Sfu:IceServers:{i}:Urls '{url}' must be a stun:, stuns:, turn: or turns: URL (RFC 7064, RFC 7065).");
                }
                else if (scheme.StartsWith("turn", StringComparison.Ordinal) && (string.IsNullOrEmpty(server.Username) || string.IsNullOrEmpty(server.Credential)))
                {
                    errors.Add($"Sfu:IceServers:{i} is a TURN server and needs Username and Credential.");
                }
            }
        }

        CheckSpan(errors, "Sfu:BackToP2PDelay", options.BackToP2PDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        CheckSpan(errors, "Sfu:P2PConnectTimeout", options.P2PConnectTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        CheckSpan(errors, "Sfu:DrainTimeout", options.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckSpan(errors, "Sfu:Udp:ConsentTimeout", options.Udp.ConsentTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        CheckRange(errors, "Sfu:Udp:DtlsHandshakeNice", options.Udp.DtlsHandshakeNice, 0, 19);
        CheckRange(errors, "Sfu:Udp:ReceiveBufferBytes", options.Udp.ReceiveBufferBytes, 0, 256 * 1024 * 1024);
        CheckRange(errors, "Sfu:Udp:ReceiveSockets", options.Udp.ReceiveSockets, 0, 16);
        CheckSpan(errors, "Sfu:Limits:IdleTimeout", options.Limits.IdleTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));

        var limits = options.Limits;
        CheckRange(errors, "Sfu:Limits:MaxRooms", limits.MaxRooms, 1, 1_000_000);
        CheckRange(errors, "Sfu:Limits:MaxParticipantsPerRoom", limits.MaxParticipantsPerRoom, 1, 5000);
        CheckRange(errors, "Sfu:Limits:PresenceBatchAbove", limits.PresenceBatchAbove, 1, 5000);
        CheckSpan(errors, "Sfu:Limits:PresenceBatchWindow", limits.PresenceBatchWindow, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
        CheckRange(errors, "Sfu:Limits:MaxMessageBytes", limits.MaxMessageBytes, 1024, 1024 * 1024);
        CheckRange(errors, "Sfu:Limits:MessagesPerSecond", limits.MessagesPerSecond, 1, 100_000);
        CheckRange(errors, "Sfu:Limits:JoinsPerIpPerMinute", limits.JoinsPerIpPerMinute, 1, 1_000_000);
        CheckRange(errors, "Sfu:Limits:ConnectionsPerIp", limits.ConnectionsPerIp, 1, 1_000_000);
        CheckRange(errors, "Sfu:Limits:MaxConnections", limits.MaxConnections, 1, 1_000_000);
        foreach (string origin in options.Http.AllowedOrigins.Where(o => !Networking.OriginPolicy.IsValidEntry(o)))
        {
            errors.Add($"Sfu:Http:AllowedOrigins '{origin}' must be an origin: http(s)://host[:port], nothing after it.");
        }
        CheckRange(errors, "Sfu:Limits:MaxChatLength", limits.MaxChatLength, 1, 100_000);
        CheckRange(errors, "Sfu:Limits:MaxTracksPerParticipant", limits.MaxTracksPerParticipant, 1, 64);
        CheckRange(errors, "Sfu:Limits:SendQueueLength", limits.SendQueueLength, 8, 100_000);

        if (options.AdminKey is { } key && key.Length < 16)
        {
            errors.Add("Sfu:AdminKey must be at least 16 characters (or unset).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckRange(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} {value} must be {min}-{max}.");
        }
    }

    private static void CheckSpan(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} {value} must be between {min} and {max}.");
        }
    }
}
