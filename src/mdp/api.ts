// Public types of the MDP node's API (see node.ts for the method contract).
import type { CryptoProvider, Identity } from "../crypto/types";
import type { Sid } from "../wire/types";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface MeshNodeOptions {
  /** Local identities; the first is the primary (our address on the wire). */
  identities: Identity[];
  crypto: CryptoProvider;
  log?: (level: LogLevel, message: string) => void;
  /** Start time (monotonic ms). */
  now: number;
  /** Random bytes for broadcast ids and initial sequences (defaults to crypto.randomBytes). */
  random?: (n: number) => Uint8Array;
  /** Per-hop retransmission: give up a frame this long after it was queued. */
  frameDeadlineMs?: number;
  /** Per-hop retransmission: at most this many transmissions per hop. */
  maxTransmissions?: number;
  /** Abbreviate SIDs a neighbour knows (abbreviation.ts); default true. false: always full SIDs. */
  abbreviateSids?: boolean;
  /** Table caps (defaults: constants.ts SUBSCRIBERS_MAX, NEIGHBOURS_MAX, ROUTES_MAX). */
  limits?: Partial<MeshLimits>;
  /** handlePacket and send only take the packet or datagram in; the service
   * pass (ACKs due, timers, the transmit flush) runs at the next handleTimeout,
   * which pollTimeout then asks for at once. For a caller that reads a burst of
   * packets (or takes a burst of datagrams from its clients) before it drives
   * the node (the daemon): one pass per burst, not per packet, so a relay packs
   * and sends what a burst brought at once. Default false (every packet and
   * datagram is serviced before handlePacket / send returns). */
  serviceOncePerBurst?: boolean;
}

/** What a node keeps at most. A table at its cap drops what does not fit and
 * counts it (MeshStats); it never grows past the cap. */
export interface MeshLimits {
  /** SIDs known (address book); least recently used ones not in use are forgotten first. */
  subscribers: number;
  /** Neighbours; a new one replaces the longest silent one that is not direct, else is refused. */
  neighbours: number;
  /** Routes, and records kept from each neighbour's advertised tree. */
  routes: number;
}

export interface InterfaceConfig {
  index: number;
  name: string;
  mtu?: number;
  /** Opaque address ("ip:port") that reaches every node on the link. */
  broadcastAddress: string;
  /** The interface tick, in whole milliseconds (default 500). */
  tickMs?: number;
}

export interface Transmit {
  ifIndex: number;
  to: string;
  bytes: Uint8Array;
}

export interface SendRequest {
  /** One of our identities; default the primary. */
  srcSid?: Sid;
  srcPort: number;
  /** undefined or all-FF = broadcast. */
  dstSid?: Sid;
  dstPort: number;
  payload: Uint8Array;
  noCrypt?: boolean;
  noSign?: boolean;
  /** 0/undefined = 31. */
  ttl?: number;
  /** 0/undefined = ORDINARY (3). */
  qos?: number;
}

export type SendError =
  | "no-identity" | "too-big" | "bad-ttl" | "bad-port" | "crypt-broadcast" | "no-interface"
  | "bad-destination"; // a SID that is not a usable public key (small order)
export type SendResult = { ok: true } | { ok: false; error: SendError };

export interface Delivery {
  /** Our SID it was addressed to, or all-FF for a broadcast. */
  localSid: Sid;
  localPort: number;
  remoteSid: Sid;
  remotePort: number;
  payload: Uint8Array;
  /** It was not encrypted / not signed. */
  noCrypt: boolean;
  noSign: boolean;
  /** Remaining TTL after the decrement (0 for a one-hop frame). */
  ttl: number;
  qos: number;
}

export interface PeerInfo {
  sid: Sid;
  reachable: number;
  hops: number;
  nextHop: Sid | undefined;
}

export interface RouteInfo {
  sid: Sid;
  /** REACHABLE_* flags (routing.ts). */
  reachable: number;
  hops: number;
  nextHop: Sid | undefined;
  priorHop: Sid | undefined;
  ifIndex: number | undefined;
  /** Path drop rate (0..). */
  dropRate: number;
}
