// Pumps bytes between a local byte stream (TCP socket, or stdin/stdout) and
// one MSP stream, with backpressure both ways:
//   local -> MSP: stop reading the local side while write() is short; resume on "writable".
//   MSP -> local: consume only what the local side took (the MSP ack is our
//   flow control); wait for local writability otherwise.
// Half-close maps both ways: local EOF -> MSP shutdown after every queued
// byte; MSP remote shutdown -> local shutdownWrite() after every byte was
// written. Data keeps flowing the other way until that side ends too.
// The local side is read only as far as the stream (and the process's send
// budget, PumpHost.sendRoom) takes it, so no copy of unsent bytes is kept; and
// it is closed as soon as both directions are done (its bytes handed to MSP,
// the peer's delivered), not when the MSP stream closes: a lingering stream
// holds no descriptor.

import { MspStream } from "./endpoint";
import { MspEvent } from "./events";

/** The subset of src/platform/tcp.ts TcpStream the pump uses. */
export interface ByteStream {
  /** room(): how many bytes the consumer takes now; a stream that has it reads no
   * more than that (0: the consumer has paused it). */
  setHandlers(h: { data?(chunk: Uint8Array): void; end?(): void; error?(err: Error): void; room?(): number }): void;
  pause(): void;
  resume(): void;
  /** Bytes taken now (0 when full), -1 after a failure. `data` is a reused
   * buffer: copy what is kept beyond the call. */
  write(data: Uint8Array): number;
  onWritable(fn: (() => void) | null): void;
  shutdownWrite(): void;
  close(): void;
}

export type PumpEnd = "graceful" | "suddenly" | "timeout";

export interface PumpHost {
  now(): number;
  /** Let the driver send what the commands produced. */
  service(): void;
  /** Bytes all streams of the process may still queue (a shared send budget). */
  sendRoom?(): number;
  /** n bytes were queued on a stream. */
  wrote?(n: number): void;
  /** Call fn once sendRoom() has room again. */
  waitRoom?(fn: () => void): void;
}

/** Bytes gathered from consecutive in-order MSP messages for one local write:
 * one syscall per burst, not per message. Shared by every pump (writes are
 * synchronous) and allocated on first use. */
const GATHER_BYTES = 32768;
let gather: Uint8Array | undefined;
function gatherBuffer(): Uint8Array {
  return gather ?? (gather = new Uint8Array(GATHER_BYTES));
}

export class StreamPump {
  private pending: Uint8Array | undefined;
  private localEof = false;
  private shutdownSent = false;
  private remoteEofDone = false;
  private waitingWritable = false;
  private finished = false;
  /** We paused the local side: the stream or the process budget is full. */
  private readPaused = false;
  private waitingRoom = false;
  private localClosed = false;
  /** Bytes moved each way, for progress reports. */
  toRemote = 0;
  toLocal = 0;

  constructor(
    readonly stream: MspStream,
    private readonly local: ByteStream,
    private readonly host: PumpHost,
    private readonly onEnd: (how: PumpEnd, pump: StreamPump) => void,
    private readonly onLocalShutdown?: (pump: StreamPump) => void,
    private readonly onRemoteShutdown?: (pump: StreamPump) => void,
  ) {}

  start(): void {
    this.local.setHandlers({
      data: (chunk) => this.fromLocal(chunk),
      end: () => {
        this.localEof = true;
        this.maybeShutdown();
        this.host.service();
      },
      error: () => {
        // A read failure on the local side aborts the stream (Serval: msp_stop).
        this.stream.conn.stop(this.host.now());
        this.host.service();
      },
      room: () => this.room(),
    });
    this.drain();
  }

  /** What the stream and the process budget take now; at 0 the local side is
   * paused until a "writable" event or the budget wakes it. */
  private room(): number {
    const conn = this.stream.conn;
    // Whole packets: a short write is sent as a short packet, yet holds a
    // whole body in the send buffer until acknowledged.
    const body = Math.min(conn.config.maxBody, conn.sendLimit);
    const own = conn.writable;
    let r = own;
    if (r >= body && this.host.sendRoom) r = Math.min(r, this.host.sendRoom());
    if (r >= body) return r - (r % body);
    this.local.pause();
    this.readPaused = true;
    if (own >= body && this.host.waitRoom) {
      if (!this.waitingRoom) {
        this.waitingRoom = true;
        this.host.waitRoom(() => this.roomBack());
      }
    } else {
      conn.wantWritable();
    }
    return 0;
  }

  private roomBack(): void {
    this.waitingRoom = false;
    this.resumeLocal();
  }

  private resumeLocal(): void {
    if (!this.readPaused || this.pending || this.finished || this.localEof) return;
    this.readPaused = false;
    this.local.resume();
  }

  /** Feed every event of the stream here. */
  onEvent(e: MspEvent): void {
    switch (e) {
      case "readable":
      case "remote-shutdown":
        this.drain();
        break;
      case "writable":
        this.flushPending();
        break;
      case "closed-gracefully":
        this.finish("graceful");
        break;
      case "closed-suddenly":
        this.finish("suddenly");
        break;
      case "timed-out":
        this.finish("timeout");
        break;
      default:
        break;
    }
  }

  private fromLocal(chunk: Uint8Array): void {
    const conn = this.stream.conn;
    if (!conn.isOpen) return;
    const n = conn.write(chunk);
    this.toRemote += n;
    this.host.wrote?.(n);
    if (n < chunk.length) {
      // Only a local side that ignores room() gets here. The chunk is a view
      // into a reused buffer: keep a copy of the rest.
      this.pending = chunk.slice(n);
      this.local.pause();
      this.readPaused = true;
    }
    this.host.service();
  }

  private flushPending(): void {
    if (this.pending) {
      const n = this.stream.conn.write(this.pending);
      this.toRemote += n;
      this.host.wrote?.(n);
      this.pending = n < this.pending.length ? this.pending.subarray(n) : undefined;
      if (this.pending) return;
    }
    this.resumeLocal();
    this.maybeShutdown();
  }

  private maybeShutdown(): void {
    if (!this.localEof || this.pending || this.shutdownSent) return;
    this.shutdownSent = true;
    this.stream.conn.shutdown(this.host.now());
    this.onLocalShutdown?.(this);
    this.closeLocalIfDone();
  }

  /** Both directions are done (every local byte handed to MSP, the peer's
   * end passed on): the local side has nothing left to do. */
  private closeLocalIfDone(): void {
    if (!this.shutdownSent || !this.remoteEofDone || this.localClosed) return;
    this.localClosed = true;
    this.local.close();
  }

  /** Move in-order MSP data to the local side as far as it takes it, a burst of
   * messages per write (gatherBuffer). */
  private drain(): void {
    if (this.waitingWritable) return;
    const conn = this.stream.conn;
    let moved = false;
    const buf = gatherBuffer();
    for (let len = conn.readInto(buf); len > 0; len = conn.readInto(buf)) {
      const b = len === buf.length ? buf : buf.subarray(0, len);
      const n = this.local.write(b);
      if (n < 0) {
        conn.stop(this.host.now());
        this.host.service();
        return;
      }
      if (n > 0) {
        conn.consume(n, this.host.now());
        this.toLocal += n;
        moved = true;
      }
      if (n < b.length) {
        this.waitingWritable = true;
        this.local.onWritable(() => {
          this.local.onWritable(null);
          this.waitingWritable = false;
          this.drain();
          this.host.service();
        });
        if (moved) this.host.service();
        return;
      }
    }
    if (conn.remoteShutdown && !this.remoteEofDone) {
      this.remoteEofDone = true;
      this.local.shutdownWrite();
      this.onRemoteShutdown?.(this);
      this.closeLocalIfDone();
    }
    if (moved) this.host.service();
  }

  private finish(how: PumpEnd): void {
    if (this.finished) return;
    this.finished = true;
    // Whatever already arrived in order still goes out (best effort).
    this.waitingWritable = false;
    if (!this.localClosed) {
      this.localClosed = true;
      this.local.onWritable(null);
      const conn = this.stream.conn;
      for (let b = conn.read(); b; b = conn.read()) {
        const n = this.local.write(b);
        if (n <= 0) break;
        conn.consume(n, this.host.now());
        this.toLocal += n;
      }
      this.local.close();
    }
    this.onEnd(how, this);
  }
}
