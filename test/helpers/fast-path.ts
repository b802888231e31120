// The receive fast paths of a steady neighbour (ingress.ts receiveSteady: the
// whole packet; link-state-in.ts receiveAckOnly: its link-state payload) against the
// generic path they stand for: a node's insides the tests reach, what a state
// comparison leaves out, and a counting wrapper.
import * as assert from "uvu/assert";
import type { LinkStateIn } from "../../src/mdp/link-state-in";
import { lossyGrid2x3 } from "./sim-grid";
import { snapshotDifference, stateSnapshot } from "./state-snapshot";
import type { NodeContext } from "../../src/mdp/context";
import type { Ingress } from "../../src/mdp/ingress";
import type { Neighbour, Iface } from "../../src/mdp/neighbours";
import type { MeshNode } from "../../src/mdp/node";
import type { Subscriber } from "../../src/mdp/subscribers";

export interface Inside { linkStateIn: LinkStateIn; ingress: Ingress; cx: NodeContext }
interface AckPath {
  receiveAckOnly(now: number, n: Neighbour, data: Uint8Array, at: number, end: number, tx: Subscriber | undefined): boolean;
  ackFastPath: boolean;
}
interface PacketPath { receiveSteady(now: number, iface: Iface, from: string, bytes: Uint8Array): boolean; steadyFastPath: boolean }

/**
 * Left out of stateSnapshot: the fast paths' own fields and the test's counting
 * wrappers; the address book's memo of lookupPrefix answers, which the generic
 * path fills and the fast paths do not use (emptied whenever the SIDs change:
 * no answer depends on it); and the per-packet scratch the generic path fills
 * before it reads it (the decode context and objects, the ports of the datagram
 * being delivered), which the fast paths leave as the last generic packet did.
 */
export const FAST_PATH_SKIP: ReadonlySet<string> = new Set([
  "ackRec", "meGen", "meSub", "meUnique", "meHead", "ackFastPath", "receiveAckOnly", "prefixCache", "prefixCacheKey",
  "Ingress.steady", "steadyFastPath", "receiveSteady", "Ingress.dctx", "Ingress.scratch", "Ports.ports",
]);

export const inside = (node: MeshNode): Inside => node as unknown as Inside;

export interface FastPathCount {
  /** Link-state payloads receiveAckOnly took. */
  acks: number;
  /** Packets receiveSteady took. */
  packets: number;
}

/** Turn the packet and the payload fast path on or off. */
export function setFastPaths(node: MeshNode, packet: boolean, ack: boolean): void {
  (inside(node).ingress as unknown as PacketPath).steadyFastPath = packet;
  (inside(node).linkStateIn as unknown as AckPath).ackFastPath = ack;
}

/** Count what the fast paths take on the nodes `on`; turn both off on `off`. */
export function instrument(on: MeshNode[], off: MeshNode[]): FastPathCount {
  const count = { acks: 0, packets: 0 };
  for (const node of on) {
    const a = inside(node).linkStateIn as unknown as AckPath;
    const ack = a.receiveAckOnly.bind(a);
    a.receiveAckOnly = (now, n, data, at, end, tx) => {
      const r = ack(now, n, data, at, end, tx);
      if (r) count.acks++;
      return r;
    };
    const g = inside(node).ingress as unknown as PacketPath;
    const steady = g.receiveSteady.bind(g);
    g.receiveSteady = (now, iface, from, bytes) => {
      const r = steady(now, iface, from, bytes);
      if (r) count.packets++;
      return r;
    };
  }
  for (const node of off) setFastPaths(node, false, false);
  return count;
}

/** Six nodes in a lossy 2x3 grid (sim-grid.ts lossyGrid2x3), every packet sent kept in `wire`. */
export type LossyGrid = ReturnType<typeof lossyGrid2x3>;

/** Every node of `a` in the same state as its twin in `b` (FAST_PATH_SKIP left
 * out), and the same packets sent. */
export function assertSameRun(a: LossyGrid, b: LossyGrid): void {
  for (let i = 0; i < a.nodes.length; i++) {
    const d = snapshotDifference(stateSnapshot(a.nodes[i].node, FAST_PATH_SKIP), stateSnapshot(b.nodes[i].node, FAST_PATH_SKIP));
    if (d !== undefined) assert.unreachable(`node ${i} at ${a.net.time} ms differs ${d}`);
  }
  assert.is(a.wire.length, b.wire.length);
  for (let k = 0; k < a.wire.length; k++) if (a.wire[k] !== b.wire[k]) assert.fixture(a.wire[k], b.wire[k], `packet ${k}`);
}
