// What the daemon's I/O glue sees of the sans-I/O overlay node: ClientMesh is
// all the local client server needs, MeshCore adds what the driver needs.
// mesh-node-adapter.ts maps src/mdp's MeshNode onto both; unit tests use
// stand-ins.
import type { RouteRecord } from "../wire/client-header.js";

/** An application datagram a client asks the mesh to send. */
export interface OutboundDatagram {
  source: Uint8Array; // local SID
  srcPort: number;
  /** undefined = broadcast. */
  destination: Uint8Array | undefined;
  dstPort: number;
  /** May be a view of a reused buffer: send() copies what it keeps. */
  payload: Uint8Array;
  encrypt: boolean;
  sign: boolean;
  ttl: number; // 1..31
  qos: number;
}

/** An application datagram the mesh received for a local port. */
export interface InboundDatagram {
  source: Uint8Array;
  srcPort: number;
  /** undefined = broadcast. */
  destination: Uint8Array | undefined;
  dstPort: number;
  payload: Uint8Array;
  ciphered: boolean;
  signed: boolean;
  /** Remaining TTL after this hop's decrement (0 for a one-hop frame). */
  ttl: number;
  qos: number;
}

export interface ClientMesh {
  /** Local identities, primary first. */
  identities(): Uint8Array[];
  /** Queue a datagram; false when it cannot be sent (e.g. a bad destination). */
  send(now: number, d: OutboundDatagram): boolean;
  /** The route table: entries for every known, reachable subscriber except the primary identity. */
  routes(): RouteRecord[];
  /** Interfaces that are up, as (index, name). */
  interfaces(): { index: number; name: string }[];
  /** The signing key of the primary identity (for SELF route records). */
  primarySignKey(): Uint8Array | undefined;
  /** A client bound / released a port: the mesh stops / resumes its own service on it. */
  portBound?(port: number): void;
  portReleased?(port: number): void;
}


/** An interface as the core needs to know it. */
export interface CoreInterface {
  index: number;
  name: string;
  /** "a.b.c.d:port" of the interface's broadcast destination. */
  broadcastAddress: string;
  mtu: number;
}

/** One overlay packet to send. */
export interface CoreTransmit {
  ifIndex: number;
  /** "a.b.c.d:port"; the interface broadcast address for broadcasts. */
  address: string;
  data: Uint8Array;
  /** Opaque token to hand back to notifySendFailed. */
  token: unknown;
}

export interface MeshCore extends ClientMesh {
  interfaceUp(now: number, itf: CoreInterface): void;
  interfaceDown(now: number, index: number): void;
  /** One UDP datagram received on an interface from "a.b.c.d:port". */
  handlePacket(now: number, ifIndex: number, from: string, data: Uint8Array): void;
  handleTimeout(now: number): void;
  pollTransmit(now: number): CoreTransmit | undefined;
  /** Next deadline (monotonic ms), undefined when idle. */
  pollTimeout(): number | undefined;
  /** Received datagrams for local ports the core does not serve itself. */
  pollDelivery(): InboundDatagram | undefined;
  /** sendto() failed: the core may retry later; the interface is kept. */
  notifySendFailed(now: number, tx: CoreTransmit, errno: number): void;
  /** Datagrams from local clients still waiting to go out (the daemon pauses its client socket while high). */
  clientBacklog?(): number;
  /** Non-zero counters as "name=value ..." (logged when the daemon stops). */
  statsLine?(): string;
  /** Counters and table sizes with their caps, for `servald status --json`. */
  status?(): CoreStatus;
}

export interface CoreStatus {
  /** The overlay's counters by name (src/mdp/stats.ts MeshStats). */
  counters: Readonly<Record<string, number>>;
  /** Table and queue sizes with their caps. */
  tables: Record<string, { size: number; max: number }>;
}
