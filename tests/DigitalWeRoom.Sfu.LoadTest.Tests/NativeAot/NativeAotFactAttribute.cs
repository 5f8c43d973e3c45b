using DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.NativeAot;

/// <summary>A fact that needs the Native AOT publish (<see cref="PublishedServer"/>): skipped, with the reason, where clang is not installed.</summary>
internal sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        if (!PublishedServer.CanPublish)
        {
            Skip = PublishedServer.CannotPublishReason;
        }
    }
}
