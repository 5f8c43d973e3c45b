using System.Globalization;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>CPU time and resident memory of a process from /proc/&lt;pid&gt;/stat and /proc/&lt;pid&gt;/status (Linux).</summary>
internal sealed class ProcessSampler(int pid)
{
    /// <summary>USER_HZ; 100 on every Linux architecture we run on.</summary>
    public const double ClockTicksPerSecond = 100;

    public int Pid { get; } = pid;

    public readonly record struct Sample(double CpuSeconds, long RssBytes);

    public Sample Read()
    {
        string stat = File.ReadAllText($"/proc/{Pid}/stat");
        string status = File.ReadAllText($"/proc/{Pid}/status");
        if (!TryParseStat(stat, out double cpu)) cpu = double.NaN;
        return new Sample(cpu, ParseRss(status));
    }

    /// <summary>utime + stime (fields 14 and 15, proc(5)), counted after the ')' that ends the command name.</summary>
    public static bool TryParseStat(string stat, out double cpuSeconds)
    {
        cpuSeconds = 0;
        int close = stat.LastIndexOf(')');
        if (close < 0) return false;
        string[] fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long utime)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long stime))
        {
            return false;
        }
        cpuSeconds = (utime + stime) / ClockTicksPerSecond;
        return true;
    }

    public static long ParseRss(string status)
    {
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) return kb * 1024;
            }
        }
        return 0;
    }

    /// <summary>UDP datagrams the kernel dropped for a full receive buffer in this network namespace (/proc/net/snmp, Udp RcvbufErrors).</summary>
    public static long UdpReceiveBufferErrors()
    {
        try
        {
            string[] lines = File.ReadAllLines("/proc/net/snmp");
            for (int i = 0; i + 1 < lines.Length; i++)
            {
                if (!lines[i].StartsWith("Udp:", StringComparison.Ordinal) || !lines[i + 1].StartsWith("Udp:", StringComparison.Ordinal)) continue;
                string[] names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string[] values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int k = Array.IndexOf(names, "RcvbufErrors");
                if (k > 0 && k < values.Length && long.TryParse(values[k], NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return n;
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    /// <summary>
    /// Drops per local UDP port from /proc/net/udp and /proc/net/udp6 (proc(5): local_address "ADDR:PORT" in hex in
    /// column 2, drops in the last column), summed over sockets sharing a port; null where unreadable.
    /// </summary>
    public static Dictionary<int, long>? UdpSocketDropsByPort()
    {
        var result = new Dictionary<int, long>();
        try
        {
            foreach (string file in new[] { "/proc/net/udp", "/proc/net/udp6" })
            {
                if (!File.Exists(file)) continue;
                foreach (string line in File.ReadLines(file).Skip(1))
                {
                    string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 13) continue;
                    int colon = f[1].LastIndexOf(':');
                    if (colon < 0 || !int.TryParse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port)
                        || !long.TryParse(f[^1], NumberStyles.None, CultureInfo.InvariantCulture, out long drops))
                    {
                        continue;
                    }
                    result[port] = result.GetValueOrDefault(port) + drops;
                }
            }
        }
        catch (IOException)
        {
            return null;
        }
        return result;
    }
}
