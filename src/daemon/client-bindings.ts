// Who is bound to which local MDP port (PROTOCOL.md 7.2): the daemon's clients'
// bindings and its in-process ones (daemon-hosted tunnels), in binding order,
// also indexed by port because every delivered datagram looks its port up.
// ClientServer decides what may bind; this table only keeps them.
import type { Delivery } from "./mesh-core.js";

const EPHEMERAL_FIRST = 256;
const EPHEMERAL_LAST = 32 * 1024;

/** Who a binding is for: a local SID (hex), all local SIDs, or the internal route monitor. */
export type Subject = string; // hex SID | "all" | "internal"

/** Receives the datagrams of an in-process binding (its payload is valid during the call only). */
export type LocalSink = (d: Delivery) => void;

export interface Binding {
  client: string;
  subject: Subject;
  port: number;
  reuse: boolean;
  /** An in-process binding (bindLocal): deliveries call it instead of going to a socket. */
  sink?: LocalSink;
}

export class BindingTable {
  private readonly list: Binding[] = [];
  /** The same bindings by port, in binding order. */
  private readonly byPort = new Map<number, Binding[]>();
  private nextPort = EPHEMERAL_FIRST;

  add(b: Binding): void {
    this.list.push(b);
    const onPort = this.byPort.get(b.port);
    if (onPort) onPort.push(b);
    else this.byPort.set(b.port, [b]);
  }

  /** Drops the binding; false if it was not in the table. */
  remove(b: Binding): boolean {
    const i = this.list.indexOf(b);
    if (i < 0) return false;
    this.list.splice(i, 1);
    const onPort = this.byPort.get(b.port);
    if (onPort) {
      const j = onPort.indexOf(b);
      if (j >= 0) onPort.splice(j, 1);
      if (onPort.length === 0) this.byPort.delete(b.port);
    }
    return true;
  }

  /** The bindings on a port, in binding order (per datagram: no copy). */
  onPort(port: number): readonly Binding[] | undefined {
    return this.byPort.get(port);
  }

  /** Every binding, in binding order. */
  all(): readonly Binding[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Is some client bound to this port (on any local SID)? */
  isPortBound(port: number): boolean {
    const onPort = this.byPort.get(port);
    return onPort !== undefined && onPort.some((b) => b.subject !== "internal");
  }

  /** The next ephemeral port nobody holds, round robin from 257, wrapping after 32 K. */
  allocatePort(): number {
    for (;;) {
      this.nextPort = this.nextPort > EPHEMERAL_LAST ? EPHEMERAL_FIRST : this.nextPort + 1;
      const p = this.nextPort;
      if (!this.byPort.has(p)) return p;
    }
  }
}
