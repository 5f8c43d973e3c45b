// Cluster (docs/cluster.md): a `join` that reaches a node not serving the room is answered with `redirect`
// {url, token}; the page joins again at that node, with no visible step. Media then goes straight to that node.
// After an unexpected close the page asks its own node again (which knows where the room lives now, or places it
// anew when its node died); when a node cannot be reached, the next live node of the cluster is tried.

/**
 * A redirect is followed only to a WebSocket URL with an allowed scheme: wss (or ws when the page itself is plain
 * http, as on a LAN), on the /ws path, without credentials. The URL comes from the server on this connection,
 * never from the page's address or another participant.
 */
export function isAllowedRedirect(url, pageProtocol = location.protocol) {
  let u;
  try { u = new URL(url); } catch { return false; }
  const schemes = pageProtocol === 'https:' ? ['wss:'] : ['wss:', 'ws:'];
  return schemes.includes(u.protocol) && u.pathname === '/ws' && !u.username && !u.password && !u.search && !u.hash;
}

export function followClusterRedirects(signaling, rejoin) {
  const home = signaling.url;
  let alternates = [];
  let hops = 0;
  let inRoom = false;
  let movedTo = null;
  fetch('/api/cluster/nodes', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : []))
    .then((nodes) => { alternates = nodes.map((n) => n.url).filter((u) => isAllowedRedirect(u) && u !== home); })
    .catch(() => {});

  signaling.on('redirect', async (m) => {
    if (!isAllowedRedirect(m.url) || ++hops > 3) {
      console.warn('dwr: redirect refused', m.url);
      return;
    }
    if (inRoom) {
      // The room moved while we were in it: reconnect there through the normal path (session reset, backoff).
      movedTo = m.url;
      signaling.ws?.close(1000, 'moved');
      return;
    }
    const old = signaling.ws;
    if (old) {
      old.onclose = null;
      old.onmessage = null;
      old.onerror = null;
      clearInterval(signaling.pingTimer);
      old.close(1000, 'redirect');
    }
    signaling.url = m.url;
    try {
      await signaling.connect();
    } catch {
      signaling.dispatch({ type: '_closed', code: 1006, reason: 'redirect target unreachable' });
      return;
    }
    rejoin();
  });

  let next = 0;
  const connect = signaling.connect.bind(signaling);
  signaling.connect = async () => {
    try {
      await connect();
    } catch (e) {
      const all = [home, ...alternates];
      signaling.url = all[++next % all.length];
      throw e;
    }
  };

  // Test hook: where the page is connected now, and a way to hand it a message as if the server had sent it.
  window.dwrCluster = { get url() { return signaling.url; }, receive: (msg) => signaling.dispatch(msg) };

  const dispatch = signaling.dispatch.bind(signaling);
  signaling.dispatch = (msg) => {
    if (msg.type === 'joined') {
      inRoom = true;
      hops = 0;
    } else if (msg.type === '_closed') {
      inRoom = false;
      hops = 0;
      signaling.url = movedTo ?? home;
      movedTo = null;
    }
    dispatch(msg);
  };
}
