using System.Text.Json;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Reads and drives the meeting page's simulcast side through <c>window.dwrSfu</c> (the server-path link).</summary>
internal static class SimulcastPage
{
    /// <summary>Frame width of the server-path video received from <paramref name="remoteId"/> (0 if none yet).</summary>
    public static Task<int> InboundWidthAsync(IPage page, string remoteId) => page.EvaluateAsync<int>("""
        async (remoteId) => {
          const link = window.dwrSfu;
          if (!link?.pc) return 0;
          const report = await link.pc.getStats();
          let width = 0;
          report.forEach((s) => {
            if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
            const id = link.serverTrackIdOf(s.trackIdentifier);
            if (id && id.startsWith(remoteId + '-') && (s.frameWidth ?? 0) > 0) width = s.frameWidth;
          });
          return width;
        }
        """, remoteId);

    /// <summary>Makes the tile of <paramref name="remoteId"/> this many CSS pixels (the page reports it via ResizeObserver).</summary>
    public static async Task SetTileSizeAsync(IPage page, string remoteId, int width, int height)
    {
        var found = await page.EvaluateAsync<bool>("""
            ([id, w, h]) => {
              const tile = document.querySelector(`.tile[data-key="${id}"]`);
              if (!tile) return false;
              tile.style.width = `${w}px`;
              tile.style.height = `${h}px`;
              tile.style.minHeight = '0';
              return true;
            }
            """, new object[] { remoteId, width, height });
        Assert.True(found, $"no tile for {remoteId}");
    }

    /// <summary>The camera sender's encodings: rid → (active flag in its parameters, outbound-rtp packetsSent, frameWidth, bytesSent).</summary>
    public static async Task<Dictionary<string, (bool Active, long PacketsSent, int FrameWidth, long BytesSent)>> OutboundLayersAsync(IPage page)
    {
        var text = await page.EvaluateAsync<string>("""
            async () => {
              const pc = window.dwrSfu?.pc;
              const out = {};
              if (!pc) return '{}';
              for (const sender of pc.getSenders()) {
                const encodings = sender.getParameters().encodings ?? [];
                if (sender.track?.kind !== 'video' || encodings.length < 2) continue;
                for (const e of encodings) out[e.rid] = { active: e.active !== false, packetsSent: 0, frameWidth: 0, bytesSent: 0 };
                const report = await sender.getStats();
                report.forEach((s) => {
                  if (s.type === 'outbound-rtp' && s.rid && out[s.rid]) {
                    out[s.rid].packetsSent = s.packetsSent ?? 0;
                    out[s.rid].frameWidth = s.frameWidth ?? 0;
                    out[s.rid].bytesSent = s.bytesSent ?? 0;
                  }
                });
                break;
              }
              return JSON.stringify(out);
            }
            """);
        var json = JsonDocument.Parse(text).RootElement;
        var result = new Dictionary<string, (bool, long, int, long)>();
        foreach (var p in json.EnumerateObject())
        {
            result[p.Name] = (p.Value.GetProperty("active").GetBoolean(), p.Value.GetProperty("packetsSent").GetInt64(),
                p.Value.GetProperty("frameWidth").GetInt32(), p.Value.GetProperty("bytesSent").GetInt64());
        }

        return result;
    }

    /// <summary>Polls <paramref name="condition"/> every 250 ms until true or <paramref name="limit"/>; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
        }

        return await condition();
    }
}
