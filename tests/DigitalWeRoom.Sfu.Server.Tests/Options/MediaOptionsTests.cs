using DigitalWeRoom.Sfu.Rooms.SfuPath;
using static DigitalWeRoom.Sfu.Server.Tests.Options.SfuOptionsBinding;

namespace DigitalWeRoom.Sfu.Server.Tests.Options;

/// <summary><c>Sfu:Media:VideoCodecs</c> at start-up.</summary>
public sealed class VideoCodecOptionsTests
{
    private static Server.Options.SfuOptions With(string[]? codecs) => new() { Media = new Server.Options.MediaSettings { VideoCodecs = codecs } };

    [Fact]
    public void Unset_means_the_default_order_and_bad_lists_name_the_key()
    {
        var validator = new Server.Options.SfuOptionsValidator();
        Assert.Equal(["VP8", "VP9", "H264", "AV1"], With(null).Media.VideoCodecPreference);
        Assert.True(validator.Validate(null, With(null)).Succeeded);
        Assert.True(validator.Validate(null, With(["av1", "VP8"])).Succeeded);

        var unknown = validator.Validate(null, With(["VP8", "HEVC"]));
        Assert.True(unknown.Failed);
        Assert.Contains("Sfu:Media:VideoCodecs entry 'HEVC'", unknown.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("twice", validator.Validate(null, With(["VP9", "vp9"])).FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, With([])).Failed);
    }
}

/// <summary>Configured simulcast rids replace the defaults instead of being appended to them.</summary>
public sealed class SimulcastRidsOptionsTests
{
    [Fact]
    public void Configured_rids_replace_the_defaults()
    {
        static SimulcastSettings Bind(Dictionary<string, string?> values)
        {
            var configuration = Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), values).Build();
            var settings = new SimulcastSettings();
            Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration, settings);
            return settings;
        }

        Assert.Equal(["q", "h", "f"], Bind([]).EffectiveRids);
        var configured = Bind(new() { ["Rids:0"] = "lo", ["Rids:1"] = "hi" });
        Assert.Equal(["lo", "hi"], configured.EffectiveRids);
        Assert.Null(configured.Validate());
    }
}

/// <summary>
/// <c>Sfu:Udp:DtlsHandshakeNice</c> and <c>Sfu:Udp:ReceiveBufferBytes</c>: bound, checked, and handed to the media
/// path's UDP endpoint.
/// </summary>
public sealed class DtlsHandshakeNiceOptionsTests
{
    private static Transport.Udp.UdpEndpointOptions Endpoint(Server.Options.SfuOptions options)
    {
        var announced = new Server.Options.AnnouncedAddresses(Microsoft.Extensions.Options.Options.Create(options), new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        return SfuMediaHostedService.Settings(options, announced, TimeProvider.System).Udp;
    }

    [Fact]
    public void Configured_nice_reaches_the_endpoint_and_values_outside_0_to_19_name_the_key()
    {
        var validator = new Server.Options.SfuOptionsValidator();
        Assert.Equal(Transport.ThreadNiceness.JoinWork, Bind([]).Udp.DtlsHandshakeNice);
        var off = Bind(new() { ["Udp:DtlsHandshakeNice"] = "0", ["Udp:BindAddress"] = "127.0.0.1" });
        Assert.True(validator.Validate(null, off).Succeeded);
        Assert.Equal(0, Endpoint(off).DtlsHandshakeNice);

        var tooHigh = validator.Validate(null, Bind(new() { ["Udp:DtlsHandshakeNice"] = "20" }));
        Assert.True(tooHigh.Failed);
        Assert.Contains("Sfu:Udp:DtlsHandshakeNice", tooHigh.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, Bind(new() { ["Udp:DtlsHandshakeNice"] = "-1" })).Failed);
    }

    [Fact]
    public void Handshake_crypto_is_OpenSsl_by_default_and_false_reaches_the_endpoint_as_BouncyCastle_alone()
    {
        Assert.True(Endpoint(Bind(new() { ["Udp:BindAddress"] = "127.0.0.1" })).DtlsOpenSsl);
        var bouncyCastle = Bind(new() { ["Udp:DtlsOpenSsl"] = "false", ["Udp:BindAddress"] = "127.0.0.1" });
        Assert.True(new Server.Options.SfuOptionsValidator().Validate(null, bouncyCastle).Succeeded);
        Assert.False(Endpoint(bouncyCastle).DtlsOpenSsl);
    }

    [Fact]
    public void Receive_buffer_is_16_MiB_by_default_reaches_the_endpoint_and_is_bounded()
    {
        var validator = new Server.Options.SfuOptionsValidator();
        Assert.Equal(16 * 1024 * 1024, Endpoint(Bind(new() { ["Udp:BindAddress"] = "127.0.0.1" })).ReceiveBufferSize);
        var small = Bind(new() { ["Udp:ReceiveBufferBytes"] = "1048576", ["Udp:BindAddress"] = "127.0.0.1" });
        Assert.True(validator.Validate(null, small).Succeeded);
        Assert.Equal(1024 * 1024, Endpoint(small).ReceiveBufferSize);

        var tooLarge = validator.Validate(null, Bind(new() { ["Udp:ReceiveBufferBytes"] = "268435457" }));
        Assert.True(tooLarge.Failed);
        Assert.Contains("Sfu:Udp:ReceiveBufferBytes", tooLarge.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, Bind(new() { ["Udp:ReceiveBufferBytes"] = "-1" })).Failed);
    }
}

/// <summary><c>Sfu:Udp:ReceiveSockets</c>: bound, checked, 0 resolved to one per core (at most 4), handed to the endpoint.</summary>
public sealed class ReceiveSocketsOptionsTests
{
    [Fact]
    public void Configured_count_reaches_the_endpoint_default_1_0_means_one_per_core_up_to_4_and_values_outside_0_to_16_name_the_key()
    {
        var validator = new Server.Options.SfuOptionsValidator();
        var two = Bind(new() { ["Udp:ReceiveSockets"] = "2", ["Udp:BindAddress"] = "127.0.0.1" });
        Assert.True(validator.Validate(null, two).Succeeded);
        var announced = new Server.Options.AnnouncedAddresses(Microsoft.Extensions.Options.Options.Create(two), new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Assert.Equal(2, SfuMediaHostedService.Settings(two, announced, TimeProvider.System).Udp.ReceiveSockets);

        Assert.Equal(0, Bind([]).Udp.ReceiveSockets);
        var auto = Bind(new() { ["Udp:ReceiveSockets"] = "0" });
        Assert.True(validator.Validate(null, auto).Succeeded);
        Assert.Equal(1, auto.Udp.EffectiveReceiveSockets(1));
        Assert.Equal(2, auto.Udp.EffectiveReceiveSockets(2));
        Assert.Equal(4, auto.Udp.EffectiveReceiveSockets(16));
        Assert.Equal(2, two.Udp.EffectiveReceiveSockets(16));

        var tooMany = validator.Validate(null, Bind(new() { ["Udp:ReceiveSockets"] = "17" }));
        Assert.True(tooMany.Failed);
        Assert.Contains("Sfu:Udp:ReceiveSockets", tooMany.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, Bind(new() { ["Udp:ReceiveSockets"] = "-1" })).Failed);
    }
}

/// <summary><c>Sfu:Media:SendQueueCapacity</c>: a power of two in range, handed to the send workers' settings.</summary>
public sealed class SendQueueCapacityOptionsTests
{
    private static SfuMediaSettings Settings(Server.Options.SfuOptions options) =>
        SfuMediaHostedService.Settings(options, new Server.Options.AnnouncedAddresses(Microsoft.Extensions.Options.Options.Create(options), new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()), TimeProvider.System);

    [Theory]
    [InlineData("15")]
    [InlineData("8192")]
    [InlineData("1000")]
    [InlineData("0")]
    public void Values_outside_16_to_4096_or_not_a_power_of_two_name_the_key(string value)
    {
        var result = new Server.Options.SfuOptionsValidator().Validate(null, Bind(new() { ["Media:SendQueueCapacity"] = value }));
        Assert.True(result.Failed);
        Assert.Contains("Sfu:Media:SendQueueCapacity", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_and_a_configured_value_reach_the_media_settings()
    {
        Assert.Equal(256, Settings(Bind([])).SendQueueCapacity);
        var configured = Bind(new() { ["Media:SendQueueCapacity"] = "1024", ["Udp:BindAddress"] = "127.0.0.1" });
        Assert.True(new Server.Options.SfuOptionsValidator().Validate(null, configured).Succeeded);
        Assert.Equal(1024, Settings(configured).SendQueueCapacity);
    }
}

/// <summary>Sfu options bound from configuration keys below <c>Sfu:</c>, as the server binds them.</summary>
internal static class SfuOptionsBinding
{
    public static Server.Options.SfuOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), values).Build();
        var options = new Server.Options.SfuOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration, options);
        return options;
    }
}
