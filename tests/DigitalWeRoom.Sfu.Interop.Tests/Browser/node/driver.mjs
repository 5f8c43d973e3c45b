// A small line protocol over stdin/stdout so the C# tests can drive a browser that Playwright cannot launch here:
// the Debian Firefox ESR over WebDriver BiDi (puppeteer-core; see ../../../../../shared/TESTING-NOTES.md §6).
// One JSON request a line in: {"id":1,"op":"goto","page":1,"url":"..."}; one JSON reply a line out:
// {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":"..."}. Console errors and warnings come out as
// {"event":"console",...}. The browser and its options come from the environment (DWR_BROWSER, DWR_EXECUTABLE,
// DWR_ARGS, DWR_PREFS as JSON, DWR_PROFILE: an existing profile directory, else a fresh one); the process exits
// when stdin closes.
import puppeteer from 'puppeteer-core';
import readline from 'node:readline';

const browserName = process.env.DWR_BROWSER || 'firefox';
const executablePath = process.env.DWR_EXECUTABLE || (browserName === 'firefox' ? '/usr/bin/firefox-esr' : '/usr/bin/chromium');
const extraArgs = JSON.parse(process.env.DWR_ARGS || '[]');
const extraPrefs = JSON.parse(process.env.DWR_PREFS || '{}');
const profile = process.env.DWR_PROFILE || undefined;

const firefoxPrefs = {
  'media.navigator.streams.fake': true,                        // fake camera and microphone
  'media.navigator.permission.disabled': true,                 // no permission prompt
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,  // real host candidates, no mDNS names
  'media.autoplay.default': 0,                                 // remote audio/video plays without a click
  'media.autoplay.blocking_policy': 0,
  // Every participant is a tab of one browser and only the front tab has focus: enumerateDevices in a tab without
  // focus waits for it (Media Capture and Streams, "device enumeration can proceed"), which a background tab never gets.
  'media.devices.unfocused.enabled': true,
  ...extraPrefs,
};

const write = (message) => process.stdout.write(JSON.stringify(message) + '\n');

const browser = await puppeteer.launch({
  browser: browserName,
  executablePath,
  headless: true,
  args: extraArgs,
  ...(profile ? { userDataDir: profile } : {}),
  ...(browserName === 'firefox' ? { extraPrefsFirefox: firefoxPrefs } : {}),
});

const pages = new Map();
let nextPage = 1;

// A function's source from the tests becomes a function again here; puppeteer sends its text to the page.
const toFunction = (source) => (0, eval)(`(${source})`);

const ops = {
  async newPage({ width, height }) {
    const page = await browser.newPage();
    const id = nextPage++;
    pages.set(id, page);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') write({ event: 'console', page: id, type: m.type(), text: m.text() });
    });
    page.on('pageerror', (e) => write({ event: 'console', page: id, type: 'pageerror', text: String(e) }));
    if (width && height) await page.setViewport({ width, height });
    return id;
  },
  async goto({ page, url }) { await pages.get(page).goto(url, { waitUntil: 'domcontentloaded' }); return null; },
  async addInitScript({ page, source }) { await pages.get(page).evaluateOnNewDocument(source); return null; },
  async evaluate({ page, fn, arg }) {
    const value = await pages.get(page).evaluate(toFunction(fn), arg ?? null);
    return value === undefined ? null : value;
  },
  async waitForFunction({ page, fn, arg, timeout }) {
    await pages.get(page).waitForFunction(toFunction(fn), { timeout: timeout ?? 20000, polling: 100 }, arg ?? null);
    return null;
  },
  async click({ page, selector }) {
    // The page may re-draw the element between the lookup and the click (a list refreshed by a signaling message):
    // nothing was clicked then, so look it up again.
    for (let attempt = 1; ; attempt++) {
      try { await pages.get(page).click(selector); return null; }
      catch (e) { if (attempt >= 3 || !/detached/i.test(String(e?.message))) throw e; }
    }
  },
  async viewport({ page, width, height }) { await pages.get(page).setViewport({ width, height }); return null; },
  async screenshot({ page, path, fullPage }) { await pages.get(page).screenshot({ path, fullPage: !!fullPage }); return null; },
  async closePage({ page }) { await pages.get(page)?.close(); pages.delete(page); return null; },
  async version() { return await browser.version(); },
};

const input = readline.createInterface({ input: process.stdin });
input.on('line', async (line) => {
  let request;
  try { request = JSON.parse(line); } catch { return; }
  const op = ops[request.op];
  try {
    if (!op) throw new Error(`unknown op ${request.op}`);
    if (request.page !== undefined && !pages.has(request.page) && request.op !== 'closePage') throw new Error(`no page ${request.page}`);
    write({ id: request.id, ok: true, result: await op(request) });
  } catch (e) {
    write({ id: request.id, ok: false, error: String(e && e.message || e) });
  }
});
input.on('close', async () => { try { await browser.close(); } finally { process.exit(0); } });
write({ event: 'ready', version: await browser.version() });
