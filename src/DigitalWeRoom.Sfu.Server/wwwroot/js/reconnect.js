// Reconnects the signaling socket after it closed unexpectedly (server restart, network loss, drain
// of a node): exponential backoff with jitter, then the page rejoins its room. Not after a deliberate
// leave, nor after the server said the participant must not come back.

/** Error codes after which the page does not reconnect on its own. */
export const TERMINAL_ERRORS = new Set(['unauthorized', 'removed', 'participant-removed', 'room-closed', 'unsupported-codec']);

/** Error codes a rejoin may get while a server is coming back or moving: close and retry later. */
export const RETRY_ERRORS = new Set(['server-draining', 'server-busy', 'join-rate-limited', 'too-many-rooms']);

export class Reconnector {
  /**
   * @param {{connect: () => Promise<void>, onConnected: () => void, onWaiting?: (delayMs: number, attempt: number) => void,
   *          baseMs?: number, maxMs?: number, random?: () => number}} o
   */
  constructor(o) {
    this.o = o;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.reconnects = 0;
  }

  /**
   * Delay before retry n (0-based): the cap doubles from baseMs up to maxMs; the delay is drawn in
   * [cap/2, cap) ("equal jitter"), so many pages that lost one server do not return in one burst.
   */
  static delay(n, baseMs = 500, maxMs = 15000, random = Math.random) {
    const cap = Math.min(maxMs, baseMs * 2 ** Math.min(n, 20));
    return cap / 2 + random() * (cap / 2);
  }

  get waiting() {
    return this.timer !== null;
  }

  /** Schedules the next attempt (no-op while one is pending or after stop()). */
  schedule() {
    if (this.stopped || this.timer !== null) return;
    const n = this.attempt++;
    const wait = Reconnector.delay(n, this.o.baseMs, this.o.maxMs, this.o.random);
    this.o.onWaiting?.(wait, n + 1);
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (this.stopped) return;
      try {
        await this.o.connect();
      } catch {
        this.schedule();
        return;
      }
      this.reconnects++;
      this.o.onConnected();
    }, wait);
  }

  /** The rejoin succeeded: the next outage starts again from the shortest delay. */
  succeeded() {
    this.attempt = 0;
  }

  /** A deliberate leave or a terminal error: never reconnect. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
