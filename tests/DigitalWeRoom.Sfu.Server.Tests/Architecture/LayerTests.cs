using System.Reflection;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Transport;
using NetArchTest.Rules;

namespace DigitalWeRoom.Sfu.Server.Tests.Architecture;

/// <summary>
/// The layer rule (docs/architecture.md): Protocols → Transport → Media → Rooms → Server, each depending only on the
/// layers before it, and no ASP.NET type below Server.
/// </summary>
public sealed class LayerTests
{
    private const string Root = "DigitalWeRoom.Sfu.";
    private static readonly string[] Layers = ["Protocols", "Transport", "Media", "Rooms", "Server"];

    public static TheoryData<string> LayersBelowServer => new(Layers[..^1]);

    internal static Assembly AssemblyOf(string layer) => layer switch
    {
        "Protocols" => typeof(DropReason).Assembly,
        "Transport" => typeof(WebRtcTransport).Assembly,
        "Media" => typeof(Router).Assembly,
        "Rooms" => typeof(Room).Assembly,
        "Server" => typeof(SfuServerExtensions).Assembly,
        _ => throw new ArgumentOutOfRangeException(nameof(layer)),
    };

    [Theory]
    [InlineData("Protocols")]
    [InlineData("Transport")]
    [InlineData("Media")]
    [InlineData("Rooms")]
    public void A_layer_uses_no_type_of_a_layer_above_it(string layer)
    {
        var above = Layers[(Array.IndexOf(Layers, layer) + 1)..].Select(l => Root + l).ToArray();
        var result = Types.InAssembly(AssemblyOf(layer)).ShouldNot().HaveDependencyOnAny(above).GetResult();
        Assert.True(result.IsSuccessful, $"{layer} types that use a layer above it: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Theory]
    [MemberData(nameof(LayersBelowServer))]
    public void No_ASP_NET_type_is_used_below_Server(string layer)
    {
        var result = Types.InAssembly(AssemblyOf(layer)).ShouldNot().HaveDependencyOn("Microsoft.AspNetCore").GetResult();
        Assert.True(result.IsSuccessful, $"{layer} types that use ASP.NET: {string.Join(", ", result.FailingTypeNames ?? [])}");
        Assert.DoesNotContain(AssemblyOf(layer).GetReferencedAssemblies(), a => a.Name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Protocols")]
    [InlineData("Transport")]
    [InlineData("Media")]
    [InlineData("Rooms")]
    [InlineData("Server")]
    public void An_assembly_references_only_the_layers_below_it(string layer)
    {
        var index = Array.IndexOf(Layers, layer);
        var allowed = Layers[..index].Select(l => Root + l).ToHashSet(StringComparer.Ordinal);
        var ours = AssemblyOf(layer).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith(Root, StringComparison.Ordinal));
        Assert.All(ours, name => Assert.Contains(name, allowed));
    }

    [Fact]
    public void The_checker_sees_dependencies_that_point_down()
    {
        // Guards the rules above against passing vacuously (e.g. an assembly whose types the reader cannot load).
        Assert.NotEmpty(Types.InAssembly(AssemblyOf("Media")).That().HaveDependencyOn(Root + "Transport").GetTypes());
        Assert.NotEmpty(Types.InAssembly(AssemblyOf("Server")).That().HaveDependencyOn(Root + "Rooms").GetTypes());
        Assert.NotEmpty(Types.InAssembly(AssemblyOf("Server")).That().HaveDependencyOn("Microsoft.AspNetCore").GetTypes());
    }

    [Fact]
    public void The_conference_layer_logs_through_the_abstractions_only()
    {
        var references = AssemblyOf("Rooms").GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references);
        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)
            || n.StartsWith("Microsoft.Extensions.Options", StringComparison.Ordinal)
            || n.StartsWith("Microsoft.Extensions.DependencyInjection", StringComparison.Ordinal));
    }
}
