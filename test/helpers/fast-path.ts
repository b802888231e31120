// The receive fast paths of a steady neighbour (ingress.ts receiveSteady: the
// whole packet; adverts.ts receiveAckOnly: its link-state payload) against the
// generic path they stand for: a node's insides the tests reach, what a state
// comparison leaves out, and a counting wrapper.
import type { Adverts } from "../../src/mdp/adverts";
import type { NodeContext } from "../../src/mdp/context";
import type { Ingress } from "../../src/mdp/ingress";
import type { Neighbour, Iface } from "../../src/mdp/neighbours";
import type { MeshNode } from "../../src/mdp/node";
import type { Subscriber } from "../../src/mdp/subscribers";

export interface Inside { adverts: Adverts; ingress: Ingress; cx: NodeContext }
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
  "txMemo", "steadyFastPath", "receiveSteady", "Ingress.dctx", "Ingress.scratch", "Ports.ports",
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
  (inside(node).adverts as unknown as AckPath).ackFastPath = ack;
}

/** Count what the fast paths take on the nodes `on`; turn both off on `off`. */
export function instrument(on: MeshNode[], off: MeshNode[]): FastPathCount {
  const count = { acks: 0, packets: 0 };
  for (const node of on) {
    const a = inside(node).adverts as unknown as AckPath;
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
