// The two things the MDP client library needs from the platform: a bound
// Unix datagram socket and timers. The real ones come from src/platform/
// (see ./open.ts); tests pass in-memory stand-ins.

export interface DgramTransport {
  /** Send data[0, len) (default: all of it) as one datagram; 0 on success, else a
   * negative errno. The caller may reuse data afterwards. */
  send(to: string, data: Uint8Array, len?: number): number;
  /** Called with each datagram received and the sender's address. */
  setReceiver(cb: (data: Uint8Array, from: string) => void): void;
  close(): void;
}

// The timers: Clock in src/platform/deadline-timer.ts (the drivers take the same).

