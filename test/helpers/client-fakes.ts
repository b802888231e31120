// Stand-ins for testing the local client library against the real
// ClientServer: a mesh with one local identity that records what it is asked
// to send, and a Clock on Node's timers.
import type { Clock } from "../../src/platform/deadline-timer.js";
import type { ClientMesh, OutboundDatagram } from "../../src/daemon/mesh-core.js";

export const ME = new Uint8Array(32).fill(0x11);
export const PEER = new Uint8Array(32).fill(0x22);

export class OneIdentityMesh implements ClientMesh {
  sent: OutboundDatagram[] = [];
  identities() { return [ME]; }
  /** Keeps a copy of the payload (the caller's is a view of a reused buffer). */
  send(_n: number, d: OutboundDatagram) { this.sent.push({ ...d, payload: d.payload.slice() }); return true; }
  routes() { return []; }
  interfaces() { return []; }
  primarySignKey() { return undefined; }
}

export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
