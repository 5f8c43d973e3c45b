using System.Net;
using DigitalWeRoom.Sfu.Server.Networking;

namespace DigitalWeRoom.Sfu.Server.Tests.Networking;

public sealed class AnnouncedAddressSelectorTests
{
    // What a grid VM with public IPv6 sees on its interfaces (addresses made up, ranges real).
    private static readonly IPAddress[] GridVm =
    [
        IPAddress.Loopback, IPAddress.IPv6Loopback,
        IPAddress.Parse("10.20.2.2"),                              // grid WireGuard private network
        IPAddress.Parse("fe80::5c1e:2ff:fe3a:1%2"),                // link-local
        IPAddress.Parse("fd7a:115c:a1e0::1"),                      // ULA
        IPAddress.Parse("4c3:2b9f:1a2e:77d1:ff0f:8d1d:9a71:e10e"), // Mycelium 400::/7
        IPAddress.Parse("302:9e63:7d43:b742:469d:a1cf:6d41:3a8"),  // Yggdrasil 200::/7
        IPAddress.Parse("2a02:1802:5e:0:8c9f:2ff:fe3a:1"),         // public IPv6
        IPAddress.Parse("100.64.3.4"),                             // CGNAT
        IPAddress.Parse("169.254.10.1"),
        IPAddress.Parse("172.17.0.1"), IPAddress.Parse("192.168.1.5"),
    ];

    [Fact]
    public void Default_announces_only_the_global_ipv6_on_a_grid_vm()
    {
        var selected = AnnouncedAddressSelector.Select(GridVm, new AddressSelectionOptions());
        Assert.Equal([IPAddress.Parse("2a02:1802:5e:0:8c9f:2ff:fe3a:1")], selected);
    }

    [Theory]
    [InlineData("127.0.0.1", nameof(AddressClass.Loopback))]
    [InlineData("::1", nameof(AddressClass.Loopback))]
    [InlineData("fe80::1", nameof(AddressClass.LinkLocal))]
    [InlineData("febf::1", nameof(AddressClass.LinkLocal))]
    [InlineData("fc00::1", nameof(AddressClass.UniqueLocal))]
    [InlineData("fdff::1", nameof(AddressClass.UniqueLocal))]
    [InlineData("400::1", nameof(AddressClass.Mycelium))]
    [InlineData("5ff:ffff::1", nameof(AddressClass.Mycelium))]
    [InlineData("200::1", nameof(AddressClass.Yggdrasil))]
    [InlineData("3ff:ffff::1", nameof(AddressClass.Yggdrasil))]
    [InlineData("10.1.2.3", nameof(AddressClass.Private))]
    [InlineData("172.16.0.1", nameof(AddressClass.Private))]
    [InlineData("172.31.255.255", nameof(AddressClass.Private))]
    [InlineData("192.168.0.1", nameof(AddressClass.Private))]
    [InlineData("100.64.0.1", nameof(AddressClass.SharedAddressSpace))]
    [InlineData("100.127.255.254", nameof(AddressClass.SharedAddressSpace))]
    [InlineData("169.254.1.1", nameof(AddressClass.LinkLocal))]
    [InlineData("192.0.2.2", nameof(AddressClass.Documentation))]
    [InlineData("2001:db8::1", nameof(AddressClass.Documentation))]
    [InlineData("224.0.0.251", nameof(AddressClass.Multicast))]
    [InlineData("ff02::fb", nameof(AddressClass.Multicast))]
    [InlineData("0.0.0.0", nameof(AddressClass.Reserved))]
    [InlineData("::", nameof(AddressClass.Unspecified))]
    [InlineData("172.32.0.1", nameof(AddressClass.Global))]
    [InlineData("100.128.0.1", nameof(AddressClass.Global))]
    [InlineData("8.8.8.8", nameof(AddressClass.Global))]
    [InlineData("2a02:1802:5e::1", nameof(AddressClass.Global))]
    [InlineData("2606:4700::1111", nameof(AddressClass.Global))]
    [InlineData("::ffff:10.0.0.1", nameof(AddressClass.Private))]
    [InlineData("::ffff:8.8.4.4", nameof(AddressClass.Global))]
    public void Classifies_address_ranges(string address, string expected) =>
        Assert.Equal(expected, AnnouncedAddressSelector.Classify(IPAddress.Parse(address)).ToString());

    [Fact]
    public void Global_ipv4_is_announced_after_ipv6_and_duplicates_are_dropped()
    {
        IPAddress[] input =
        [
            IPAddress.Parse("8.8.4.4"), IPAddress.Parse("2606:4700::1111"), IPAddress.Parse("::ffff:8.8.4.4"),
            IPAddress.Parse("2606:4700::1111"), IPAddress.Parse("10.0.0.1"),
        ];
        Assert.Equal([IPAddress.Parse("2606:4700::1111"), IPAddress.Parse("8.8.4.4")],
            AnnouncedAddressSelector.Select(input, new AddressSelectionOptions()));
    }

    [Fact]
    public void Families_can_be_switched_off()
    {
        IPAddress[] input = [IPAddress.Parse("8.8.4.4"), IPAddress.Parse("2606:4700::1111")];
        Assert.Equal([IPAddress.Parse("8.8.4.4")], AnnouncedAddressSelector.Select(input, new AddressSelectionOptions { IncludeIPv6 = false }));
        Assert.Equal([IPAddress.Parse("2606:4700::1111")], AnnouncedAddressSelector.Select(input, new AddressSelectionOptions { IncludeIPv4 = false }));
    }

    [Fact]
    public void Loopback_is_announced_only_when_bound_to_loopback()
    {
        IPAddress[] input = [IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("10.0.0.1")];
        Assert.Empty(AnnouncedAddressSelector.Select(input, new AddressSelectionOptions()));
        Assert.Equal([IPAddress.IPv6Loopback, IPAddress.Loopback],
            AnnouncedAddressSelector.Select(input, new AddressSelectionOptions { AllowLoopback = true }));
    }

    [Fact]
    public void Allow_list_replaces_the_default_policy()
    {
        var options = new AddressSelectionOptions();
        options.AllowedPrefixes.Add("10.20.0.0/16");
        options.AllowedPrefixes.Add("fd7a:115c:a1e0::1");
        var selected = AnnouncedAddressSelector.Select(GridVm, options);
        Assert.Equal([IPAddress.Parse("fd7a:115c:a1e0::1"), IPAddress.Parse("10.20.2.2")], selected);
    }

    [Fact]
    public void Extra_addresses_are_appended_and_bad_configuration_is_named()
    {
        var options = new AddressSelectionOptions();
        options.ExtraAddresses.Add("203.0.113.7");
        Assert.Equal([IPAddress.Parse("2a02:1802:5e:0:8c9f:2ff:fe3a:1"), IPAddress.Parse("203.0.113.7")],
            AnnouncedAddressSelector.Select(GridVm, options));

        var bad = new AddressSelectionOptions();
        bad.AllowedPrefixes.Add("10.0.0.0/33");
        var ex = Assert.Throws<InvalidOperationException>(() => AnnouncedAddressSelector.Select(GridVm, bad));
        Assert.Contains("AllowedPrefixes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detects_the_public_ipv6_and_ignores_overlays()
    {
        Assert.Equal(IPAddress.Parse("2a02:1802:5e:0:8c9f:2ff:fe3a:1"), AnnouncedAddressSelector.DetectPublicIPv6(GridVm));
        Assert.Null(AnnouncedAddressSelector.DetectPublicIPv6(GridVm.Where(a => !a.ToString().StartsWith("2a02", StringComparison.Ordinal))));
    }

    [Fact]
    public void Reads_this_hosts_interfaces()
    {
        // Inside test.sh's namespace only lo exists; either way loopback must be listed.
        var addresses = AnnouncedAddressSelector.GetInterfaceAddresses();
        Assert.Contains(addresses, a => IPAddress.IsLoopback(a));
    }

    [Fact]
    public void Binding_decides_between_policy_and_the_bound_address()
    {
        var options = new AddressSelectionOptions();
        Assert.Equal([IPAddress.Loopback], AnnouncedAddressSelector.SelectForBinding(IPAddress.Loopback, GridVm, options));
        Assert.Equal([IPAddress.Parse("10.20.2.2")], AnnouncedAddressSelector.SelectForBinding(IPAddress.Parse("10.20.2.2"), GridVm, options));
        Assert.Equal([IPAddress.Parse("2a02:1802:5e:0:8c9f:2ff:fe3a:1")], AnnouncedAddressSelector.SelectForBinding(IPAddress.IPv6Any, GridVm, options));
        // 0.0.0.0 is IPv4 only: the grid VM has no global IPv4, so nothing is announced.
        Assert.Empty(AnnouncedAddressSelector.SelectForBinding(IPAddress.Any, GridVm, options));
        Assert.Equal([IPAddress.Parse("8.8.4.4")],
            AnnouncedAddressSelector.SelectForBinding(IPAddress.Any, [IPAddress.Parse("8.8.4.4"), IPAddress.Parse("2606:4700::1")], options));
    }
}
