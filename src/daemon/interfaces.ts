// The daemon's network interfaces (PROTOCOL.md 1.2): per selected interface a UDP
// socket bound to ifaceIP:port (unicast in, everything out, SO_BINDTODEVICE),
// plus one wildcard socket per port receiving broadcasts, each assigned to the
// interface whose subnet holds the source. rescan() reconciles the open
// sockets with what the system has now, so interfaces may come and go.
import { InterfaceRule, inSubnet, SelectedInterface, selectInterfaces } from "./interfaces-match.js";
import { ipv4Format } from "../platform/ipv4.js";
import { UdpSocket, UdpSource } from "../platform/udp.js";
import { listInterfaces } from "../platform/interfaces.js";
import { errorText, log } from "../platform/log.js";

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
  /** Every open interface, as a plain array: isOwn runs per datagram (no
   * iterator, and no addr * 65536 + port key: a float64 on a soft-float router). */
  private own: MeshInterface[] = [];
  private warnedNone = false;
  /** Broadcasts heard from outside every interface's subnet (dropped). */
  foreignDrops = 0;

  constructor(
    private readonly onPacket: PacketHandler,
    private readonly onUp: (itf: MeshInterface) => void,
    private readonly onDown: (itf: MeshInterface) => void,
  ) {}

  list(): MeshInterface[] {
    return [...this.byName.values()].sort((a, b) => a.index - b.index);
  }

  byIndex(index: number): MeshInterface | undefined {
    for (const i of this.byName.values()) if (i.index === index) return i;
    return undefined;
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

  /** Send from the interface's own socket (so peers learn our 4110 source port).
   * Returns 0 or -errno. `addr` undefined = the interface's broadcast address. */
  send(itf: MeshInterface, data: Uint8Array, addr: string | number | undefined, port: number): number {
    const rc = itf.sock.send(data, addr ?? itf.broadcastText, port);
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
    this.own = [...this.byName.values()];
    sock.onMessage((data, from) => {
      if (this.isOwn(from)) return;
      counters.rxPackets++;
      counters.rxBytes += data.length;
      this.onPacket(itf, data, from);
    });
    log.info(`interface ${w.name} up: ${ipv4Format(w.addr)}:${w.port} broadcast ${itf.broadcastText}`);
    this.onUp(itf);
  }

  private close(itf: MeshInterface): void {
    this.byName.delete(itf.name);
    this.own = [...this.byName.values()];
    itf.sock.close();
    log.info(`interface ${itf.name} down`);
    this.onDown(itf);
  }

  private openWildcard(port: number): void {
    try {
      const sock = UdpSocket.open({ addr: "0.0.0.0", port, reuseAddr: true, reusePort: true, broadcast: true });
      sock.onMessage((data, from) => {
        if (this.isOwn(from)) return;
        for (const itf of this.byName.values()) {
          if (itf.port === port && inSubnet(from.addr, itf.addr, itf.netmask)) {
            itf.counters.rxPackets++;
            itf.counters.rxBytes += data.length;
            this.onPacket(itf, data, from);
            return;
          }
        }
        // not from any of our subnets: dropped, as servald does
        this.foreignDrops++;
      });
      this.wildcard.set(port, sock);
    } catch (e) {
      log.warn(`cannot open 0.0.0.0:${port} for broadcasts: ${errorText(e)}`);
    }
  }

  /** Our own broadcasts loop back to us: ignore them. */
  private isOwn(from: UdpSource): boolean {
    const own = this.own;
    for (let i = 0; i < own.length; i++) if (own[i].port === from.port && own[i].addr === from.addr) return true;
    return false;
  }
}
