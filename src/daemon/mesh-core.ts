// What the daemon drives: the sans-I/O overlay node, seen through the few
// calls the I/O glue needs. mesh-node-adapter.ts maps src/mdp's MeshNode
// onto this; tests may use a stand-in.
import type { ClientMesh, InboundDatagram } from "./client-mesh.js";

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
}
