using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// A browser driven through Browser/node/driver.mjs (puppeteer-core): the Debian Firefox ESR over WebDriver BiDi,
/// which Playwright cannot launch here (../shared/TESTING-NOTES.md §6), or Chromium through the same API so one test
/// body can run in both engines. test.sh installs firefox-esr and the driver's node_modules.
/// </summary>
internal sealed class ScriptedBrowser : IAsyncDisposable
{
    public const string FirefoxPath = "/usr/bin/firefox-esr";

    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _nextId;

    private ScriptedBrowser(Process process, string engine)
    {
        _process = process;
        Engine = engine;
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                TestLog.Write($"[{Engine} driver] {line}");
            }
        });
    }

    /// <summary><c>firefox</c> or <c>chromium</c>.</summary>
    public string Engine { get; }

    /// <summary>What the browser reports, e.g. <c>firefox/153.8.0</c>.</summary>
    public string Version { get; private set; } = "";

    /// <summary>
    /// Starts <paramref name="engine"/> (<c>firefox</c> or <c>chromium</c>) headless with fake media, inside the network
    /// namespace <paramref name="netns"/> when given. <paramref name="prefs"/> are extra Firefox preferences,
    /// <paramref name="arguments"/> extra command-line arguments; <paramref name="profile"/> an existing profile
    /// directory (e.g. with a test CA in its certificate database), else a fresh one.
    /// </summary>
    public static async Task<ScriptedBrowser> LaunchAsync(string engine = "firefox", string? netns = null,
        IReadOnlyDictionary<string, object>? prefs = null, IReadOnlyList<string>? arguments = null, string? profile = null)
    {
        var driver = Path.Combine(DriverDirectory(), "driver.mjs");
        var start = new ProcessStartInfo(netns is null ? "node" : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(driver)!,
        };
        if (netns is not null)
        {
            foreach (var a in new[] { "netns", "exec", netns, "node" })
            {
                start.ArgumentList.Add(a);
            }
        }

        start.ArgumentList.Add(driver);
        start.Environment["DWR_BROWSER"] = engine;
        start.Environment["DWR_EXECUTABLE"] = engine == "firefox" ? FirefoxPath : Chromium.ExecutablePath;
        start.Environment["DWR_ARGS"] = JsonSerializer.Serialize(arguments ?? (engine == "firefox" ? [] : [.. Chromium.Arguments, Chromium.Autoplay]));
        start.Environment["DWR_PREFS"] = JsonSerializer.Serialize(prefs ?? new Dictionary<string, object>());
        start.Environment["DWR_PROFILE"] = profile ?? "";
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var browser = new ScriptedBrowser(process, engine);
        var ready = await Task.WhenAny(browser._ready.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (ready != browser._ready.Task)
        {
            await browser.DisposeAsync();
            throw new TimeoutException($"{engine} did not start within 60 s");
        }

        browser.Version = await browser._ready.Task;
        return browser;
    }

    /// <summary>A new tab (Firefox) or page (Chromium) with the given viewport.</summary>
    public async Task<ScriptedPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var id = (await SendAsync(new JsonObject { ["op"] = "newPage", ["width"] = width, ["height"] = height }))!.GetValue<int>();
        return new ScriptedPage(this, id);
    }

    internal async Task<JsonNode?> SendAsync(JsonObject request, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        request["id"] = id;
        var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _writeLock.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(request.ToJsonString());
            await _process.StandardInput.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }

        try
        {
            return await reply.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadLoopAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            JsonNode? message;
            try
            {
                message = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                TestLog.Write($"[{Engine} driver] {line}");
                continue;
            }

            if (message?["event"]?.GetValue<string>() is { } name)
            {
                if (name == "ready")
                {
                    _ready.TrySetResult(message["version"]?.GetValue<string>() ?? "");
                }
                else
                {
                    TestLog.Write($"[{Engine} page {message["page"]}] {message["type"]}: {message["text"]}");
                }

                continue;
            }

            var id = message?["id"]?.GetValue<int>() ?? 0;
            if (!_pending.TryGetValue(id, out var reply))
            {
                continue;
            }

            if (message!["ok"]?.GetValue<bool>() == true)
            {
                reply.TrySetResult(message["result"]?.DeepClone());
            }
            else
            {
                reply.TrySetException(new InvalidOperationException($"{Engine}: {message["error"]}"));
            }
        }

        var exited = new InvalidOperationException($"the {Engine} driver exited");
        _ready.TrySetException(exited);
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(exited);
        }
    }

    private static string DriverDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "DigitalWeRoom.Sfu.Interop.Tests", "Browser", "node");
            if (File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
            {
                if (!Directory.Exists(Path.Combine(candidate, "node_modules", "puppeteer-core")))
                {
                    throw new InvalidOperationException($"puppeteer-core is not installed in {candidate}: run ./test.sh (it runs npm install there)");
                }

                return candidate;
            }
        }

        throw new InvalidOperationException("DigitalWeRoom.Sfu.sln not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>One page of a <see cref="ScriptedBrowser"/>; functions are JavaScript source, as with Playwright.</summary>
internal sealed class ScriptedPage(ScriptedBrowser browser, int id) : IMeetingPage
{
    public ScriptedBrowser Browser { get; } = browser;

    public Task GotoAsync(string url) => Browser.SendAsync(new JsonObject { ["op"] = "goto", ["page"] = id, ["url"] = url });

    /// <summary>Runs <paramref name="source"/> in every document this page loads from now on, before the page's scripts.</summary>
    public Task AddInitScriptAsync(string source) => Browser.SendAsync(new JsonObject { ["op"] = "addInitScript", ["page"] = id, ["source"] = source });

    /// <summary>Calls the function <paramref name="function"/> (source text) with <paramref name="argument"/> in the page.</summary>
    public async Task<JsonElement> EvaluateAsync(string function, object? argument = null)
    {
        var result = await Browser.SendAsync(new JsonObject
        {
            ["op"] = "evaluate", ["page"] = id, ["fn"] = function, ["arg"] = JsonSerializer.SerializeToNode(argument),
        });
        return JsonSerializer.SerializeToElement(result);
    }

    public async Task<T> EvaluateAsync<T>(string function, object? argument = null) =>
        (await EvaluateAsync(function, argument)).Deserialize<T>()!;

    /// <summary>Waits until the function <paramref name="function"/> returns a truthy value (polled every 100 ms).</summary>
    public Task WaitForFunctionAsync(string function, object? argument = null, int timeoutMs = 20_000) =>
        Browser.SendAsync(new JsonObject
        {
            ["op"] = "waitForFunction", ["page"] = id, ["fn"] = function, ["arg"] = JsonSerializer.SerializeToNode(argument), ["timeout"] = timeoutMs,
        }, TimeSpan.FromMilliseconds(timeoutMs + 30_000));

    public Task ClickAsync(string selector) => Browser.SendAsync(new JsonObject { ["op"] = "click", ["page"] = id, ["selector"] = selector });

    public Task SetViewportAsync(int width, int height) =>
        Browser.SendAsync(new JsonObject { ["op"] = "viewport", ["page"] = id, ["width"] = width, ["height"] = height });

    public Task ScreenshotAsync(string path) => ScreenshotAsync(path, fullPage: false);

    public Task ScreenshotAsync(string path, bool fullPage) =>
        Browser.SendAsync(new JsonObject { ["op"] = "screenshot", ["page"] = id, ["path"] = path, ["fullPage"] = fullPage });

    public Task CloseAsync() => Browser.SendAsync(new JsonObject { ["op"] = "closePage", ["page"] = id });
}
