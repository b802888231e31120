// Unix datagram sockets (the daemon's local client socket). Names starting
// with "\0" are Linux abstract names; others are filesystem paths, created
// owner-only (0600). abstractName() turns a path into Serval's abstract form.
// All sockets receive into one shared buffer: a handler sees a view valid
// during its call only (a client per MSP stream kept 64 KiB each).
import * as native from "serval:native";
import { watchDatagrams, watchRead } from "./loop";

const MAX_DATAGRAM = 65536;
/** Receives are never nested (each runs to its handler's end from the event loop). */
const rx = new Uint8Array(MAX_DATAGRAM);

/** Serval DNA's convention: the path with its leading "/" replaced by NUL. */
export function abstractName(path: string): string {
  return "\0" + (path.startsWith("/") ? path.slice(1) : path);
}

export class UnixDgram {
  private readonly from = { name: "" };
  private closed = false;
  private paused = false;
  private handler: ((data: Uint8Array, from: string) => void) | null = null;

  private constructor(readonly fd: number, readonly name: string) {}

  /** Binds to name; "" autobinds a unique abstract name (for clients). */
  static open(name: string): UnixDgram {
    return new UnixDgram(native.unixDgramOpen(name), name);
  }

  /** Delivers each datagram with the sender's name (reply address). */
  onMessage(fn: ((data: Uint8Array, from: string) => void) | null): void {
    this.handler = fn;
    if (!fn || this.paused) return watchRead(this.fd, null);
    watchDatagrams(this.fd, "unix socket",
      () => native.unixRecvFrom(this.fd, rx, 0, MAX_DATAGRAM, this.from),
      (n) => fn(rx.subarray(0, n), this.from.name),
      () => this.closed || this.paused);
  }

  /** Stop reading (senders then see their socket fill: back-pressure) until resume(). */
  pause(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    watchRead(this.fd, null);
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.onMessage(this.handler);
  }

  get isPaused(): boolean { return this.paused; }

  /** 0 or -errno (e.g. -ECONNREFUSED when the peer is gone). */
  send(data: Uint8Array, to: string, len = data.length): number {
    const n = native.unixSendTo(this.fd, data, 0, len, to);
    return n < 0 ? n : 0;
  }

  /** Connect to the socket bound at `to` (0 or -errno): the kernel then refuses
   * datagrams from every other socket, and write() sends to it. */
  connect(to: string): number {
    return native.unixConnect(this.fd, to);
  }

  /** Send to the connected socket: 0 or -errno (-ECONNREFUSED, then -ENOTCONN,
   * once it is gone, even if another socket has bound its name since). */
  write(data: Uint8Array, len = data.length): number {
    const n = native.write(this.fd, data, 0, len);
    return n < 0 ? n : 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    watchRead(this.fd, null);
    native.close(this.fd);
    if (this.name && !this.name.startsWith("\0")) native.unlink(this.name);
  }
}
