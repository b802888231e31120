// The two things the MDP client library needs from the platform: a bound
// Unix datagram socket and timers. The real ones come from src/platform/
// (see ./platform-transport.ts); tests pass in-memory stand-ins.

export interface DgramTransport {
  /** Send one datagram; 0 on success, else a negative errno. */
  send(to: string, data: Uint8Array): number;
  /** Called with each datagram received and the sender's address. */
  setReceiver(cb: (data: Uint8Array, from: string) => void): void;
  close(): void;
}

export interface ClientClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const EPERM = 1;
export const ENOENT = 2;
export const EACCES = 13;
export const ECONNREFUSED = 111;
export const EAGAIN = 11;
export const ENOBUFS = 105;
