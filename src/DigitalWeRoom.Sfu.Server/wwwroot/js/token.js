// The room token a join needs when the server has keys (docs/security.md, "The meeting page and tokens").
// In order: ?token= in the page URL; the operator's token service (Sfu:Auth:TokenUrl, called with room and name);
// this server's guest tokens (Sfu:Auth:AllowGuests). An open server (no keys) needs none.

export const TOKEN_REQUIRED_TEXT =
  'This server requires a token to join. Open the meeting link you were given (it carries ?token=…) or ask the organiser for one.';

/** Resolves to {token} (token may be null: none needed) or {error: text for the page}. Never rejects. */
export async function obtainToken(room, name, params) {
  const given = params.get('token');
  if (given) return { token: given };

  let config = null;
  try {
    const response = await fetch('/api/token/config', { cache: 'no-store' });
    config = response.ok ? await response.json() : null;
  } catch {
    config = null;
  }
  if (!config?.required) return { token: null };

  const query = `room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`;
  const url = config.tokenUrl
    ? config.tokenUrl + (config.tokenUrl.includes('?') ? '&' : '?') + query
    : config.allowGuests ? `/api/token/guest?${query}` : null;
  if (!url) return { error: TOKEN_REQUIRED_TEXT };

  try {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) return { error: `${TOKEN_REQUIRED_TEXT} (The token service answered ${response.status}.)` };
    const text = (await response.text()).trim();
    let token = text;
    try { token = JSON.parse(text)?.token ?? null; } catch { /* a bare token */ }
    if (typeof token === 'string' && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return { token };
  } catch {
    // Unreachable or refused by CORS: fall through.
  }
  return { error: `${TOKEN_REQUIRED_TEXT} (No token could be obtained from ${new URL(url, location.href).host}.)` };
}

/** `&token=…` when the page URL carries one, so redirects (to the name form and back) keep it. */
export function tokenQuery(params) {
  const token = params.get('token');
  return token ? `&token=${encodeURIComponent(token)}` : '';
}
