using System.Reflection;
using System.Runtime.CompilerServices;

namespace DigitalWeRoom.Sfu.Server.Tests.Architecture;

/// <summary>
/// The friend-assembly rule (docs/architecture.md, issue 13 item 6): a layer's internals are visible only to its own
/// tests project, Fuzz and Benchmarks; Server's also to Interop.Tests, whose browser tests read the running server's
/// state. What another layer needs is public, so a higher layer cannot reach past a lower layer's API.
/// </summary>
public sealed class FriendAssemblyTests
{
    private const string Root = "DigitalWeRoom.Sfu.";

    public static TheoryData<string> Layers => new("Protocols", "Transport", "Media", "Rooms", "Server");

    private static string[] AllowedFriends(string layer) => layer == "Server"
        ? [Root + "Server.Tests", Root + "Fuzz", Root + "Benchmarks", Root + "Interop.Tests"]
        : [Root + layer + ".Tests", Root + "Fuzz", Root + "Benchmarks"];

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_shows_its_internals_only_to_its_own_tests_Fuzz_and_Benchmarks(string layer)
    {
        var friends = LayerTests.AssemblyOf(layer).GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToArray();

        Assert.NotEmpty(friends);
        string[] others = [.. friends.Where(f => !AllowedFriends(layer).Contains(f, StringComparer.Ordinal))];
        Assert.True(others.Length == 0, $"{layer} shows its internals to {string.Join(", ", others)}");
        Assert.Contains(Root + layer + ".Tests", friends);
    }
}
