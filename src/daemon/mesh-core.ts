// What the daemon's I/O glue sees of the sans-I/O overlay node: ClientMesh is
// all the local client server needs, MeshCore adds what the driver needs.
// mesh-node-adapter.ts maps src/mdp's MeshNode onto both; unit tests use
// stand-ins.
import type { RouteRecord } from "../wire/client-header.js";

// One vocabulary for a datagram on both sides of the seam: the MDP node's own
// types (src/mdp/api.ts). SendRequest: what a client asks the mesh to send
// (its payload may be a view of a reused buffer: send() copies what it keeps).
// Delivery: what the mesh received for a local port (localSid all-FF for a
// broadcast). Transmit: one overlay packet to send. A field added to one of
// them reaches the client server and the driver with no mapping in between.
import type { Delivery, SendRequest, Transmit } from "../mdp/api.js";
export type { Delivery, SendRequest, Transmit };

export interface ClientMesh {
  /** Local identities, primary first. */
  identities(): Uint8Array[];
  /** Queue a datagram; false when it cannot be sent (e.g. a bad destination). */
  send(now: number, d: SendRequest): boolean;
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

export interface MeshCore extends ClientMesh {
  interfaceUp(now: number, itf: CoreInterface): void;
  interfaceDown(now: number, index: number): void;
  /** One UDP datagram received on an interface from "a.b.c.d:port". */
  handlePacket(now: number, ifIndex: number, from: string, data: Uint8Array): void;
  handleTimeout(now: number): void;
  pollTransmit(now: number): Transmit | undefined;
  /** Next deadline (monotonic ms), undefined when idle. */
  pollTimeout(): number | undefined;
  /** Received datagrams for local ports the core does not serve itself. */
  pollDelivery(): Delivery | undefined;
  /** A delivery the driver has handed on and keeps no reference to (its object may be reused). */
  recycleDelivery?(d: Delivery): void;
  /** sendto() failed: the core counts and logs it (the driver does neither); the interface is kept. */
  notifySendFailed(now: number, tx: Transmit, errno: number): void;
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
