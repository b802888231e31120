// The daemon's network interfaces (PROTOCOL.md 1.2): per selected interface a UDP
// socket bound to ifaceIP:port (unicast in, everything out, SO_BINDTODEVICE),
// plus one wildcard socket per port receiving broadcasts, each assigned to the
// interface whose subnet holds the source. rescan() reconciles the open
// sockets with what the system has now, so interfaces may come and go.
import { InterfaceRule, SelectedInterface, selectInterfaces } from "./interfaces-match.js";
import { ipv4Format } from "../platform/ipv4.js";
import { UdpSocket, UdpSource } from "../platform/udp.js";
import { listInterfaces } from "../platform/interfaces.js";
import { errorText, log } from "../platform/log.js";
import { ENOENT } from "../platform/errno.js";

export interface MeshInterface extends SelectedInterface {
  /** Stable small index (0..15) used on the wire. */
  index: number;
  sock: UdpSocket;
  /** Dotted broadcast address, for sending. */
  broadcastText: string;
  /** Datagrams and bytes received and sent since the interface came up (`status --json`). */
  counters: InterfaceCounters;
}

export interface InterfaceCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  /** sendto() failures (the mesh counts them too, without the interface). */
  txFailed: number;
}

export type PacketHandler = (itf: MeshInterface, data: Uint8Array, from: UdpSource) => void;

const MAX_INTERFACES = 16;

function key(s: SelectedInterface): string {
  return `${s.name}/${s.addr}/${s.netmask}/${s.port}`;
}

export class InterfaceManager {
  private readonly byName = new Map<string, MeshInterface>();
  private readonly wildcard = new Map<number, UdpSocket>();
  /** Our own (address, port) pairs: the sockets drop datagrams from them in C
   * (our broadcasts loop back to the wildcard socket), set on every open/close. */
  private own: UdpSource[] = [];
  /** Open interfaces by index and as a plain array, kept on open/close: looked up per
   * datagram sent and received (a Map iterator was an object per call). */
  private readonly indexed: (MeshInterface | undefined)[] = [];
  private active: MeshInterface[] = [];
  private warnedNone = false;
  /** Broadcasts heard from outside every interface's subnet (dropped). */
  foreignDrops = 0;

  constructor(
    private readonly onPacket: PacketHandler,
    private readonly onUp: (itf: MeshInterface) => void,
    private readonly onDown: (itf: MeshInterface) => void,
    /** After a socket's datagrams of one wakeup were all handed to onPacket. */
    private readonly onBurst?: () => void,
  ) {}

  list(): MeshInterface[] {
    return [...this.byName.values()].sort((a, b) => a.index - b.index);
  }

  byIndex(index: number): MeshInterface | undefined {
    return this.indexed[index];
  }

  /** Re-read the system's interfaces and open/close sockets to match the rules. */
  rescan(rules: InterfaceRule[]): void {
    let wanted: SelectedInterface[];
    try {
      wanted = selectInterfaces(rules, listInterfaces());
    } catch (e) {
      log.warn(`cannot list network interfaces: ${errorText(e)}`);
      return;
    }
    const wantedByName = new Map(wanted.map((w) => [w.name, w]));
    for (const [name, itf] of [...this.byName]) {
      const w = wantedByName.get(name);
      if (!w || key(w) !== key(itf)) this.close(itf);
    }
    for (const w of wanted) if (!this.byName.has(w.name)) this.open(w);
    // Wildcard sockets: one per port still in use.
    const ports = new Set(this.list().map((i) => i.port));
    for (const [port, sock] of [...this.wildcard]) {
      if (!ports.has(port)) { sock.close(); this.wildcard.delete(port); }
    }
    for (const port of ports) if (!this.wildcard.has(port)) this.openWildcard(port);
    if (this.byName.size === 0 && !this.warnedNone) {
      this.warnedNone = true;
      log.warn(rules.length === 0
        ? "no interfaces configured (set interfaces.1.match, e.g. 'servald config set interfaces.1.match eth*'): this node hears nobody"
        : "no network interface matches the configured interfaces.N.match patterns yet");
    } else if (this.byName.size > 0) this.warnedNone = false;
  }

  /** Send from the interface's own socket (so peers learn our 4110 source port), by
   * the interface's index (one call per packet). Returns 0 or -errno (-ENOENT: the
   * interface just went away). */
  sendOn(index: number, data: Uint8Array, addr: number, port: number): number {
    const itf = this.indexed[index];
    if (itf === undefined) return -ENOENT;
    const rc = itf.sock.send(data, addr, port);
    const c = itf.counters;
    if (rc < 0) c.txFailed++;
    else { c.txPackets++; c.txBytes += data.length; }
    return rc;
  }

  closeAll(): void {
    for (const itf of [...this.byName.values()]) this.close(itf);
    for (const sock of this.wildcard.values()) sock.close();
    this.wildcard.clear();
  }

  private freeIndex(): number {
    const used = new Set([...this.byName.values()].map((i) => i.index));
    for (let i = 0; i < MAX_INTERFACES; i++) if (!used.has(i)) return i;
    return -1;
  }

  private open(w: SelectedInterface): void {
    const index = this.freeIndex();
    if (index < 0) { log.warn(`too many interfaces, ignoring ${w.name}`); return; }
    let sock: UdpSocket;
    const opts = { addr: ipv4Format(w.addr), port: w.port, reuseAddr: true, reusePort: true, broadcast: true };
    try {
      sock = UdpSocket.open({ ...opts, device: w.name });
    } catch (e) {
      try {
        // SO_BINDTODEVICE needs CAP_NET_RAW: without it, the address binding alone still works.
        if (!/BINDTODEVICE/.test(errorText(e))) throw e;
        sock = UdpSocket.open(opts);
        log.debug(`interface ${w.name}: ${errorText(e)}; bound by address only`);
      } catch (e2) {
        log.warn(`interface ${w.name}: cannot open ${ipv4Format(w.addr)}:${w.port}: ${errorText(e2)}`);
        return;
      }
    }
    const counters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, txFailed: 0 };
    const itf: MeshInterface = { ...w, index, sock, broadcastText: ipv4Format(w.broadcast), counters };
    this.byName.set(w.name, itf);
    sock.onMessage((data, from) => {
      counters.rxPackets++;
      counters.rxBytes += data.length;
      this.onPacket(itf, data, from);
    }, this.onBurst);
    this.interfacesChanged();
    log.info(`interface ${w.name} up: ${ipv4Format(w.addr)}:${w.port} broadcast ${itf.broadcastText}`);
    this.onUp(itf);
  }

  private close(itf: MeshInterface): void {
    this.byName.delete(itf.name);
    itf.sock.close();
    this.interfacesChanged();
    log.info(`interface ${itf.name} down`);
    this.onDown(itf);
  }

  private openWildcard(port: number): void {
    try {
      const sock = UdpSocket.open({ addr: "0.0.0.0", port, reuseAddr: true, reusePort: true, broadcast: true });
      sock.onMessage((data, from) => {
        const active = this.active;
        for (let i = 0; i < active.length; i++) {
          const itf = active[i];
          // (inSubnet written out: per datagram and interface, a call costs more than the test)
          if (itf.port === port && ((from.addr ^ itf.addr) & itf.netmask) === 0) {
            itf.counters.rxPackets++;
            itf.counters.rxBytes += data.length;
            this.onPacket(itf, data, from);
            return;
          }
        }
        // not from any of our subnets: dropped, as servald does
        this.foreignDrops++;
      }, this.onBurst);
      sock.skipFrom(this.own);
      this.wildcard.set(port, sock);
    } catch (e) {
      log.warn(`cannot open 0.0.0.0:${port} for broadcasts: ${errorText(e)}`);
    }
  }

  /** An interface opened or closed: the per-datagram lookups, and our own
   * addresses, whose datagrams loop back to us (broadcasts, to the wildcard
   * socket) and every socket drops unseen. */
  private interfacesChanged(): void {
    this.active = [...this.byName.values()];
    this.indexed.length = 0;
    for (const i of this.active) this.indexed[i.index] = i;
    this.own = this.active.map((i) => ({ addr: i.addr, port: i.port }));
    for (const i of this.byName.values()) i.sock.skipFrom(this.own);
    for (const sock of this.wildcard.values()) sock.skipFrom(this.own);
  }

  /** Our own datagrams read and dropped so far by the open sockets (not those
   * their kernel filters dropped unread). */
  get ownDrops(): number {
    let n = 0;
    for (const i of this.byName.values()) n += i.sock.skipped;
    for (const sock of this.wildcard.values()) n += sock.skipped;
    return n;
  }

  /** Every wildcard socket (where our broadcasts loop back) has its kernel filter. */
  get ownFiltered(): boolean {
    for (const sock of this.wildcard.values()) if (!sock.filtered) return false;
    return true;
  }
}
