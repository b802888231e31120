// TCP over the shim: a listener and a stream with explicit backpressure.
// Stream data is handed over as a view into a reused buffer: copy what you keep.
import * as native from "serval:native";
import { SysError } from "./errors";
import { errorText, log } from "./log";
import { watchRead, watchWrite } from "./loop";

const READ_CHUNK = 16384;
/** The default receive buffer, shared: reads are never nested and handlers get
 * a view valid during the call (one per connection cost 16 KiB each under churn). */
const sharedRx = new Uint8Array(READ_CHUNK);

export interface StreamHandlers {
  /** bytes received (view valid during the call only) */
  data?(chunk: Uint8Array): void;
  /** peer half-closed (EOF); we may still write */
  end?(): void;
  /** bytes the consumer takes now: a read is no larger (0: it paused us) */
  room?(): number;
  /** read/write failure (e.g. ECONNRESET); the stream is closed afterwards */
  error?(err: Error): void;
}

export class TcpStream {
  private h: StreamHandlers = {};
  private readonly rx: Uint8Array;
  private reading = false;
  private eof = false;
  closed = false;

  constructor(readonly fd: number, rxBuffer?: Uint8Array) {
    this.rx = rxBuffer ?? sharedRx;
  }

  /** Sets handlers and starts reading. */
  setHandlers(h: StreamHandlers): void {
    this.h = h;
    this.resume();
  }

  /** Stops reading (backpressure); resume() continues. */
  pause(): void {
    if (!this.reading) return;
    this.reading = false;
    watchRead(this.fd, null);
  }

  resume(): void {
    if (this.reading || this.eof || this.closed) return;
    this.reading = true;
    watchRead(this.fd, () => this.onReadable(), `tcp ${this.fd} read`);
  }

  private onReadable(): void {
    let max = this.rx.length;
    if (this.h.room) {
      max = Math.min(max, this.h.room());
      if (max <= 0) return;
    }
    const n = native.read(this.fd, this.rx, 0, max);
    if (n > 0) {
      this.h.data?.(this.rx.subarray(0, n));
    } else if (n === 0) {
      this.eof = true;
      this.pause();
      this.h.end?.();
    } else if (n !== -native.EAGAIN && n !== -native.EINTR) {
      this.fail(new SysError("read", -n));
    }
  }

  /** Writes what the kernel accepts now: returns the byte count (maybe < length, 0 when full).
   *  On a failure calls the error handler, closes, and returns -1. */
  write(data: Uint8Array): number {
    if (this.closed) return -1;
    const n = native.write(this.fd, data, 0, data.length);
    if (n >= 0) return n;
    if (n === -native.EAGAIN || n === -native.EINTR) return 0;
    this.fail(new SysError("write", -n));
    return -1;
  }

  /** Calls fn when the socket can take more data (level-triggered; null stops). */
  onWritable(fn: (() => void) | null): void {
    if (this.closed) return;
    watchWrite(this.fd, fn, `tcp ${this.fd} write`);
  }

  /** Half-close: sends FIN after queued data. A peer that already reset the
   * connection (ENOTCONN) needs none: that is not an error for the caller. */
  shutdownWrite(): void {
    if (this.closed) return;
    try {
      native.shutdownWrite(this.fd);
    } catch (e) {
      log.debug(`tcp ${this.fd}: ${errorText(e)}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The handlers are closures over their owner, which holds this stream: a
    // cycle refcounting alone would not free, leaving the owner's memory to the
    // cycle collector (in the msp processes, megabytes of ended streams).
    this.h = {};
    this.reading = false;
    watchRead(this.fd, null);
    watchWrite(this.fd, null);
    native.close(this.fd);
  }

  private fail(err: Error): void {
    const cb = this.h.error;
    this.close();
    if (cb) cb(err);
    else log.warn(`tcp: ${errorText(err)}`);
  }
}

export class TcpListener {
  private constructor(readonly fd: number, readonly port: number) {}

  /** Listens on addr:port (port 0 = any free port, see .port). */
  static listen(addr: string, port: number, backlog = 16): TcpListener {
    const fd = native.tcpListen(addr, port, backlog);
    return new TcpListener(fd, native.sockName(fd).port);
  }

  /** Calls fn with each accepted stream (null stops accepting). */
  onAccept(fn: ((s: TcpStream) => void) | null): void {
    if (!fn) return watchRead(this.fd, null);
    watchRead(this.fd, () => {
      const c = native.tcpAccept(this.fd);
      if (c >= 0) fn(new TcpStream(c));
      else if (c !== -native.EAGAIN && c !== -native.EINTR) log.warn(`accept: ${native.strerror(-c)}`);
    }, `tcp listen ${this.port}`);
  }

  close(): void {
    watchRead(this.fd, null);
    native.close(this.fd);
  }
}

/** Connects without blocking; cb gets the stream or the error (e.g. "connect: Connection refused"). */
export function tcpConnect(addr: string, port: number, cb: (err: Error | null, s: TcpStream | null) => void): void {
  let fd: number;
  try {
    fd = native.tcpConnect(addr, port);
  } catch (e) {
    cb(e instanceof Error ? e : new Error(String(e)), null);
    return;
  }
  watchWrite(fd, () => {
    watchWrite(fd, null);
    const err = native.sockError(fd);
    if (err !== 0) {
      native.close(fd);
      cb(new SysError("connect", err), null);
    } else {
      cb(null, new TcpStream(fd));
    }
  }, `tcp connect ${addr}:${port}`);
}
