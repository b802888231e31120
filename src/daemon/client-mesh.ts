// What the local client server needs from the mesh node: an adapter over
// MeshNode (src/mdp/) implements this, so the client protocol is testable
// without the overlay.
import type { RouteRecord } from "../wire/client-header.js";

/** An application datagram a client asks the mesh to send. */
export interface OutboundDatagram {
  source: Uint8Array; // local SID
  srcPort: number;
  /** undefined = broadcast. */
  destination: Uint8Array | undefined;
  dstPort: number;
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
