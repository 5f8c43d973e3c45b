// The page's connection timeline: performance.now() (ms since navigation start) of the first time each step of
// joining happened (media, WebSocket, join, the server's offer, ICE, DTLS, the first remote frame). A few numbers per
// page, kept for diagnostics and read by the first-remote-frame benchmark through the test hooks (docs/benchmarks.md).

export const Timeline = {
  /** step name -> ms since navigation start, first occurrence only. */
  marks: {},

  /** The server path's local candidate once selected (test hooks), e.g. 'relay/udp/tls'. */
  path: null,

  mark(step, at = performance.now()) {
    if (!(step in this.marks)) this.marks[step] = Math.round(at);
  },
};
