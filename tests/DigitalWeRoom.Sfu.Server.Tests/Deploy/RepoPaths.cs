namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>Locates files of the repository checkout from the test's bin folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string DeployTests(params string[] parts) =>
        Path(["tests", "DigitalWeRoom.Sfu.Server.Tests", "Deploy", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DigitalWeRoom.Sfu.sln not found above " + AppContext.BaseDirectory);
    }
}
