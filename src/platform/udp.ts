// UDP sockets over the shim. Received datagrams are handed to the handler as
// a view into one reused buffer, shared by every socket: copy what you keep
// beyond the callback. A readable socket is drained in its one callback
// (udpRecvMany: recvmmsg, BATCH_MAX datagrams per native call), then driven once.
import * as native from "serval:native";
import { ipv4Format } from "./ipv4";
import { errorText, log } from "./log";
import { SysError } from "./errors";
import { watchRead } from "./loop";

export interface UdpOptions {
  /** local address, default "0.0.0.0" */
  addr?: string;
  port: number;
  reuseAddr?: boolean;
  reusePort?: boolean;
  broadcast?: boolean;
  /** SO_BINDTODEVICE interface name */
  device?: string;
}

/** Source of a datagram; `addr` is a host-order int32 (see ipv4Parse, ipv4Format). */
export interface UdpSource { addr: number; port: number }

export type UdpHandler = (data: Uint8Array, from: UdpSource) => void;

/** Datagrams per native call at most, each offered 64 KiB (the largest datagram,
 * never truncated) in a slot of the receive buffer. Two: a wakeup is usually for
 * one datagram, and recvmmsg offered a second slot that it leaves empty tells the
 * socket is drained, so a wakeup costs one system call where recvfrom took two
 * (the second only to hear EAGAIN). Reading up to 32 before handling any made the
 * x86_64 1-hop tunnel cost 7 % more CPU per MiB (32 MiB, alternated, load < 1:
 * 110-113 against 99-105 ms/MiB; with 1: 92-95, as without batching). The socket
 * is still drained in this one callback, then driven once. */
const BATCH_MAX = 2;
const RX_BYTES = BATCH_MAX * 64 * 1024;

/** Shared by every socket (allocated at the first onMessage): handlers run one at a time. */
let rx: Uint8Array | undefined;
/** rx's buffer: each datagram is handed over as a view made straight on it
 * (new Uint8Array(buffer, offset, length): rx.subarray looks up the species
 * constructor too, ~3 000 instructions per view made and freed against ~1 900). */
let rxBuffer: ArrayBuffer;
/** udpRecvMany's results: [drained, skipped, then offset, length, addr, port per datagram]. */
let meta: Int32Array;
let metaBytes: Uint8Array;

export class UdpSocket {
  private readonly from: UdpSource = { addr: 0, port: 0 };
  private closed = false;
  /** (address, port) pairs whose datagrams are dropped unseen (skipFrom). */
  private skip: Uint8Array | null = null;
  /** Datagrams dropped by skipFrom in C (not those the kernel's filter dropped). */
  skipped = 0;
  /** skipFrom's pairs are dropped by a kernel socket filter. */
  filtered = false;

  private constructor(readonly fd: number, readonly port: number) {}

  /** Opens and binds; throws "bind: Address already in use" and the like. */
  static open(o: UdpOptions): UdpSocket {
    const flags = (o.reuseAddr ? native.UDP_REUSEADDR : 0) |
      (o.reusePort ? native.UDP_REUSEPORT : 0) |
      (o.broadcast ? native.UDP_BROADCAST : 0);
    const fd = native.udpOpen(o.addr ?? "0.0.0.0", o.port, flags, o.device ?? null);
    return new UdpSocket(fd, native.sockName(fd).port);
  }

  /** Delivers every datagram to fn (null stops), then calls afterBurst once the
   * socket is drained (one call per wakeup, however many datagrams came).
   * Exceptions are logged (one datagram's does not lose the rest of its batch). */
  onMessage(fn: UdpHandler | null, afterBurst?: () => void): void {
    if (!fn) return watchRead(this.fd, null);
    if (rx === undefined) {
      rxBuffer = new ArrayBuffer(RX_BYTES);
      rx = new Uint8Array(rxBuffer);
      meta = new Int32Array(2 + 4 * BATCH_MAX);
      metaBytes = new Uint8Array(meta.buffer);
    }
    const where = `udp ${this.port}`, from = this.from;
    watchRead(this.fd, () => {
      const buf = rx!;
      for (;;) {
        const k = native.udpRecvMany(this.fd, buf, 0, RX_BYTES, metaBytes, this.skip);
        this.skipped += meta[1];
        if (k < 0) {
          if (k === -native.EAGAIN || k === -native.EINTR) break;
          afterBurst?.(); // (what this wakeup did take in is still driven)
          throw new SysError("recvfrom", -k);
        }
        for (let i = 0, o = 2; i < k; i++, o += 4) {
          from.addr = meta[o + 2];
          from.port = meta[o + 3];
          try {
            fn(new Uint8Array(rxBuffer, meta[o], meta[o + 1]), from);
          } catch (e) {
            log.error(`${where}: ${errorText(e)}`);
          }
          if (this.closed) { afterBurst?.(); return; }
        }
        if (meta[0] === 1) break;
      }
      afterBurst?.();
    }, where);
  }

  /** Datagrams from these (address, port) pairs (a node's own broadcasts, looped
   * back) are dropped by a kernel socket filter before they are queued: no
   * wakeup, no system call, no JS. Where the kernel refuses the filter, and for
   * any queued before it was attached, they are read and dropped in C before JS
   * sees them, counted in `skipped`. */
  skipFrom(sources: readonly UdpSource[]): void {
    if (sources.length === 0) {
      this.skip = null;
      this.filtered = false;
      native.udpFilterFrom(this.fd, null);
      return;
    }
    const t = new Int32Array(1 + 2 * sources.length);
    t[0] = sources.length;
    for (let i = 0; i < sources.length; i++) { t[1 + 2 * i] = sources[i].addr; t[2 + 2 * i] = sources[i].port; }
    this.skip = new Uint8Array(t.buffer);
    this.filtered = native.udpFilterFrom(this.fd, this.skip) === 0;
  }

  /** Sends one datagram. Returns 0 or -errno (e.g. -EAGAIN, -EPERM); never throws for OS errors. */
  send(data: Uint8Array, addr: string | number, port: number): number {
    const n = native.udpSendTo(this.fd, data, 0, data.length, addr, port);
    return n < 0 ? n : 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    watchRead(this.fd, null);
    native.close(this.fd);
  }
}

export { ipv4Format };
