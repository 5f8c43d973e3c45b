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
}
