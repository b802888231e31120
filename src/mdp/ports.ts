// Ports and local delivery: which ports are bound (and for which of our SIDs),
// and the datagrams waiting for the application (pollDelivery). A datagram for
// a port nobody bound goes to the built-in services (keymap, echo) or is
// dropped and counted; link state (port 2) goes to the adverts room.
import { PORT_ECHO, PORT_KEYMAPREQUEST, PORT_LINKSTATE, SID_BROADCAST, type MdpPortsRepr, type Sid } from "../wire/types";
import { toHex } from "../wire/bytes";
import { readMdpPorts } from "../wire/mdp-ports";
import type { PayloadMode } from "../crypto/mdp-payload";
import type { Delivery } from "./api";
import type { NodeContext } from "./context";
import type { Neighbour } from "./neighbours";
import type { ServiceHost } from "./service-host";
import { handleEcho } from "./echo";
import { handleKeymap } from "./keymap";
import { DELIVERY_QUEUE_MAX, EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST } from "./constants";

/** A binding for every one of our SIDs. */
const WILDCARD = "*";
/** Recycled deliveries kept at most. */
const SPARE_DELIVERIES_MAX = 16;
const NO_DATA = new Uint8Array(0);

/** A neighbour's link-state payload (plain, on port 2) arrived. */
export type LinkStateSink = (now: number, n: Neighbour, source: Sid, data: Uint8Array) => void;

export class Ports {
  /** Bound ports -> the SIDs (hex, or WILDCARD) bound on them: looked up per datagram. */
  private readonly bindings = new Map<number, Set<string>>();
  /** The last port looked up by deliver and its bindings (a tunnel's datagrams all
   * go to one port: an int32 compare, not a Map look-up, which hashes a number key
   * as a float64 in QuickJS: soft-float calls on an FPU-less router). Cleared by
   * bind and unbind. */
  private lastPort = -1;
  private lastOn: Set<string> | undefined;
  private nextEphemeral = EPHEMERAL_PORT_FIRST + 1;
  /** Datagrams waiting for pollDelivery (at most DELIVERY_QUEUE_MAX; the oldest is dropped). */
  private readonly deliveries: Delivery[] = [];
  /** The ports of the datagram being delivered (reused). */
  private readonly ports: MdpPortsRepr = { dstPort: 0, srcPort: 0 };

  constructor(
    private readonly cx: NodeContext,
    private readonly host: ServiceHost,
    private readonly linkState: LinkStateSink,
  ) {}

  /** Bind a port for delivery. sid undefined = any of our identities. Port 0 picks
   * an ephemeral port. Returns the port, or -1 if already bound or unknown SID. */
  bind(sid: Sid | undefined, port: number): number {
    const key = sid ? toHex(sid) : WILDCARD;
    if (sid && !this.cx.localByHex.has(key)) return -1;
    if (port === 0) {
      for (let i = 0; i < EPHEMERAL_PORT_LAST; i++) {
        const p = this.nextEphemeral;
        this.nextEphemeral = p >= EPHEMERAL_PORT_LAST ? EPHEMERAL_PORT_FIRST : p + 1;
        if (!this.hasBinding(key, p) && !this.hasBinding(WILDCARD, p)) { port = p; break; }
      }
      if (port === 0) return -1;
    }
    if (this.hasBinding(key, port)) return -1;
    this.lastPort = -1;
    const on = this.bindings.get(port);
    if (on) on.add(key);
    else this.bindings.set(port, new Set([key]));
    return port;
  }

  unbind(sid: Sid | undefined, port: number): void {
    this.lastPort = -1;
    const on = this.bindings.get(port);
    if (!on) return;
    on.delete(sid ? toHex(sid) : WILDCARD);
    if (on.size === 0) this.bindings.delete(port);
  }

  isBound(sid: Sid | undefined, port: number): boolean {
    return this.hasBinding(sid ? toHex(sid) : WILDCARD, port);
  }

  private hasBinding(key: string, port: number): boolean {
    const on = this.bindings.get(port);
    return on !== undefined && on.has(key);
  }

  pollDelivery(): Delivery | undefined {
    return this.deliveries.shift();
  }

  /** Deliveries handed back (recycleDelivery), refilled for new ones: a Delivery
   * literal is 10 generic property definitions in QuickJS, per datagram. */
  private readonly spares: Delivery[] = [];

  recycleDelivery(d: Delivery): void {
    if (this.spares.length >= SPARE_DELIVERIES_MAX) return;
    d.payload = NO_DATA; // (not kept alive by the spare)
    this.spares.push(d);
  }

  get waiting(): number {
    return this.deliveries.length;
  }

  /** An opened MDP plaintext (ports + data) for us: to the bound port, a built-in
   * service, or the adverts room (link state from neighbour n). A "ciphered"
   * plaintext must be the caller's to give away (it is delivered without a copy);
   * others may be views into a packet. */
  deliver(
    now: number, localSid: Sid, remoteSid: Sid, plain: Uint8Array, mode: PayloadMode,
    ttl: number, qos: number, broadcast: boolean, n?: Neighbour,
  ): void {
    const stats = this.cx.stats;
    const ports = this.ports;
    const at = readMdpPorts(plain, ports);
    if (at < 0) {
      stats.framesDropped++;
      return;
    }
    const dstPort = ports.dstPort, srcPort = ports.srcPort;
    const data = plain.subarray(at);
    if (dstPort === PORT_LINKSTATE) {
      if (n && mode === "plain") this.linkState(now, n, remoteSid, data);
      return;
    }
    let on: Set<string> | undefined;
    if (dstPort === this.lastPort) on = this.lastOn;
    else {
      on = this.bindings.get(dstPort);
      // (ports are u32: one above 2^31 is no int32, and would compare as a float64)
      if (dstPort <= 0x7fffffff) { this.lastPort = dstPort; this.lastOn = on; }
    }
    const bound = on !== undefined && (on.has(WILDCARD) ||
      (broadcast ? [...this.cx.localByHex.keys()].some((h) => on.has(h)) : on.has(this.cx.subs.get(localSid)?.hex ?? toHex(localSid))));
    if (bound) {
      if (this.deliveries.length >= DELIVERY_QUEUE_MAX) { this.deliveries.shift(); stats.deliveryDrops++; }
      // (a ciphered plaintext is a fresh buffer of the box opening: no second copy)
      const payload = mode === "ciphered" ? data : data.slice();
      const to = broadcast ? SID_BROADCAST : localSid, from = remoteSid.slice();
      const noCrypt = mode !== "ciphered", noSign = mode === "plain";
      let d = this.spares.pop();
      if (d === undefined) {
        d = { localSid: to, localPort: dstPort, remoteSid: from, remotePort: srcPort, payload, noCrypt, noSign, ttl, qos };
      } else {
        d.localSid = to; d.localPort = dstPort; d.remoteSid = from; d.remotePort = srcPort;
        d.payload = payload; d.noCrypt = noCrypt; d.noSign = noSign; d.ttl = ttl; d.qos = qos;
      }
      this.deliveries.push(d);
      stats.datagramsDelivered++;
      return;
    }
    if (dstPort === PORT_KEYMAPREQUEST) { handleKeymap(this.host, now, localSid, remoteSid, srcPort, data, broadcast); return; }
    if (dstPort === PORT_ECHO) { handleEcho(this.host, now, localSid, remoteSid, srcPort, data, broadcast, qos); return; }
    stats.unboundDrops++;
  }
}
