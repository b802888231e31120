// Unix datagram sockets (the daemon's local client socket). Names starting
// with "\0" are Linux abstract names; others are filesystem paths, created
// owner-only (0600). abstractName() turns a path into Serval's abstract form.
import * as native from "serval:native";
import { watchDatagrams, watchRead } from "./loop";

const MAX_DATAGRAM = 65536;

/** Serval DNA's convention: the path with its leading "/" replaced by NUL. */
export function abstractName(path: string): string {
  return "\0" + (path.startsWith("/") ? path.slice(1) : path);
}

export class UnixDgram {
  private readonly rx = new Uint8Array(MAX_DATAGRAM);
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
      () => native.unixRecvFrom(this.fd, this.rx, 0, MAX_DATAGRAM, this.from),
      (n) => fn(this.rx.subarray(0, n), this.from.name),
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    watchRead(this.fd, null);
    native.close(this.fd);
    if (this.name && !this.name.startsWith("\0")) native.unlink(this.name);
  }
}
