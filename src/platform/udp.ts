// UDP sockets over the shim. Received datagrams are handed to the handler as
// a view into one reused buffer: copy what you keep beyond the callback.
import * as native from "serval:native";
import { ipv4Format } from "./ipv4";
import { watchDatagrams, watchRead } from "./loop";

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

const MAX_DATAGRAM = 65536;

export class UdpSocket {
  private readonly rx = new Uint8Array(MAX_DATAGRAM);
  private readonly from: UdpSource = { addr: 0, port: 0 };
  private closed = false;

  private constructor(readonly fd: number, readonly port: number) {}

  /** Opens and binds; throws "bind: Address already in use" and the like. */
  static open(o: UdpOptions): UdpSocket {
    const flags = (o.reuseAddr ? native.UDP_REUSEADDR : 0) |
      (o.reusePort ? native.UDP_REUSEPORT : 0) |
      (o.broadcast ? native.UDP_BROADCAST : 0);
    const fd = native.udpOpen(o.addr ?? "0.0.0.0", o.port, flags, o.device ?? null);
    return new UdpSocket(fd, native.sockName(fd).port);
  }

  /** Delivers every datagram to fn (null stops). Exceptions are logged. */
  onMessage(fn: UdpHandler | null): void {
    if (!fn) return watchRead(this.fd, null);
    watchDatagrams(this.fd, `udp ${this.port}`,
      () => native.udpRecvFrom(this.fd, this.rx, 0, MAX_DATAGRAM, this.from),
      (n) => fn(this.rx.subarray(0, n), this.from),
      () => this.closed);
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
