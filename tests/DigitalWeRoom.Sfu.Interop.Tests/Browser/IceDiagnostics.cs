namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>What a failing reachability test prints about a page: its mode, errors, and each connection's ICE state.</summary>
internal static class IceDiagnostics
{
    /// <summary>The page's mode and errors, then the candidates and pairs of its server and peer-to-peer connections.</summary>
    public static async Task<string> CandidatesAsync(IMeetingPage page)
    {
        try
        {
            var json = await page.EvaluateAsync("""
                async () => {
                  const out = [window.dwr?.mode, window.dwr?.errors];
                  for (const [name, pc] of [['sfu', window.dwrSfu && window.dwrSfu.pc], ['p2p', window.dwr && window.dwr.p2pPc]]) {
                    if (!pc) continue;
                    out.push(name, pc.iceConnectionState);
                    (await pc.getStats()).forEach(s => {
                      if (s.type === 'local-candidate' || s.type === 'remote-candidate') out.push([s.id, s.type, s.candidateType, s.protocol, s.relayProtocol, s.address, s.port]);
                      if (s.type === 'candidate-pair') out.push([s.type, s.state, s.nominated, s.localCandidateId, s.remoteCandidateId]);
                    });
                  }
                  return JSON.stringify(out);
                }
                """);
            return json.GetString() ?? "";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>Starts recording the peer-to-peer connection's ICE state, selected pair and bytes every 250 ms (read with <see cref="P2PTraceAsync"/>).</summary>
    public static Task StartP2PTraceAsync(IMeetingPage page) => page.EvaluateAsync("""
        () => {
          window.__p2pTrace = [];
          const t0 = Date.now();
          setInterval(async () => {
            const pc = window.dwr && window.dwr.p2pPc;
            if (!pc) return;
            const row = [Date.now() - t0, pc.iceConnectionState, pc.connectionState];
            const st = await pc.getStats();
            const cands = {};
            st.forEach(s => { if (s.type === 'local-candidate' || s.type === 'remote-candidate') cands[s.id] = `${s.candidateType}:${s.address}:${s.port}`; });
            st.forEach(s => {
              if (s.type === 'candidate-pair' && (s.nominated || s.selected || s.state === 'succeeded' || s.state === 'in-progress'))
                row.push(`${cands[s.localCandidateId]}->${cands[s.remoteCandidateId]} ${s.state}${s.nominated ? ' N' : ''}${s.selected ? ' S' : ''} tx=${s.bytesSent} rx=${s.bytesReceived} req=${s.requestsSent}/${s.requestsReceived} rsp=${s.responsesSent}/${s.responsesReceived}`);
              if (s.type === 'transport') row.push(`transport sel=${s.selectedCandidatePairId} dtls=${s.dtlsState}`);
            });
            window.__p2pTrace.push(JSON.stringify(row));
          }, 250);
        }
        """);

    /// <summary>What <see cref="StartP2PTraceAsync"/> recorded, one line per sample.</summary>
    public static async Task<string> P2PTraceAsync(IMeetingPage page)
    {
        try
        {
            return (await page.EvaluateAsync("() => (window.__p2pTrace || []).join('\\n')")).GetString() ?? "";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }
}
