// Grid meshes in the SimNet for the scale tests: ROWS x COLS nodes, one
// point-to-point link (its own broadcast domain, as one veth pair with its own
// /24) to the right and lower neighbour, as the namespace benchmark builds.
import { toHex } from "../../src/wire/bytes";
import { SimNet, type SimNode } from "./simnet";
import type { MeshNodeOptions } from "../../src/mdp/api";
import { identityFromSeed } from "../../src/crypto/identity";

export interface Grid {
  net: SimNet;
  rows: number;
  cols: number;
  nodes: SimNode[];
  at(r: number, c: number): SimNode;
}

/** Build the grid and start its nodes one after the other, `startGapMs` apart. */
export function buildGrid(rows: number, cols: number, seed: number, startGapMs = 20, nodeOptions?: Partial<MeshNodeOptions>): Grid {
  const net = new SimNet({ seed, nodeOptions });
  const nodes: SimNode[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) nodes.push(net.addNode(`n${r}_${c}`));
  const at = (r: number, c: number): SimNode => nodes[r * cols + c];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) net.link(`h${r}_${c}`, [at(r, c), at(r, c + 1)], 0, 1, 0.2);
      if (r + 1 < rows) net.link(`v${r}_${c}`, [at(r, c), at(r + 1, c)], 0, 1, 0.2);
    }
  }
  for (const n of nodes) {
    net.start(n);
    net.runFor(startGapMs);
  }
  return { net, rows, cols, nodes, at };
}

/** Every running node has a route to every other running node. */
export function converged(g: Grid): boolean {
  const live = g.nodes.filter((n) => n.running).length;
  return g.nodes.every((n) => !n.running || n.node.peers().length >= live - 1);
}

/** Follow next hops from a to b through running nodes: the route a packet would take, or undefined. */
export function pathOf(g: Grid, a: SimNode, b: SimNode): SimNode[] | undefined {
  const byHex = new Map(g.nodes.map((n) => [toHex(n.identity.sid), n]));
  const bHex = toHex(b.identity.sid);
  const path = [a];
  let cur = a;
  for (let i = 0; i < 64 && cur !== b; i++) {
    const p = cur.node.peers().find((x) => toHex(x.sid) === bHex);
    if (!p) return undefined;
    const next = byHex.get(toHex(p.nextHop ?? p.sid));
    if (!next || !next.running) return undefined;
    path.push(next);
    cur = next;
  }
  return cur === b ? path : undefined;
}

export interface Rates {
  bytes: number;
  packets: number;
  frames: number;
}

/** Mean per-node transmit rates (per second) of the running nodes over `ms` of simulated time. */
export function measure(g: Grid, ms: number): Rates & { peakBytes: number; routeChanges: number } {
  const live = g.nodes.filter((n) => n.running);
  const snap = (): number[][] => live.map((n) => [n.node.stats.bytesOut, n.node.stats.packetsOut, n.node.stats.framesOut, n.node.stats.routeChanges]);
  const start = snap();
  let peakBytes = 0;
  let prev = start;
  for (let t = 0; t < ms; t += 1000) {
    g.net.runFor(Math.min(1000, ms - t));
    const cur = snap();
    for (let i = 0; i < live.length; i++) peakBytes = Math.max(peakBytes, cur[i][0] - prev[i][0]);
    prev = cur;
  }
  const sum = (k: number): number => live.reduce((s, _, i) => s + prev[i][k] - start[i][k], 0);
  const per = (k: number): number => sum(k) / live.length / (ms / 1000);
  return { bytes: per(0), packets: per(1), frames: per(2), peakBytes, routeChanges: sum(3) };
}

/** Run until cond() holds, checking every `everyMs` of simulated time (cond may be costly); the time or undefined. */
export function runUntilPolled(g: Grid, cond: () => boolean, maxMs: number, everyMs = 50): number | undefined {
  const end = g.net.time + maxMs;
  while (g.net.time < end) {
    if (cond()) return g.net.time;
    g.net.runFor(Math.min(everyMs, end - g.net.time));
  }
  return cond() ? g.net.time : undefined;
}

/** Six nodes in a 2x3 grid of point-to-point links with these losses (in the
 * order 0-1, 1-2, 3-4, 4-5, 0-3, 1-4, 2-5), a broadcast domain shared by nodes
 * 0, 2 and 4 (ACKs on a shared link), node `secondAt` with a second identity
 * (from a seed of `secondByte`s), started 15 ms apart; every packet delivered
 * kept in `wire` ("from>to:hex"). The same arguments build the same mesh: two
 * runs side by side, one with a path off, must stay alike. */
export function lossyGrid2x3(seed: number, secondAt: number, secondByte: number, losses: readonly number[], sharedLoss: number): { net: SimNet; nodes: SimNode[]; wire: string[] } {
  const net = new SimNet({ seed });
  const second = identityFromSeed(new Uint8Array(32).fill(secondByte));
  const nodes: SimNode[] = [];
  for (let i = 0; i < 6; i++) nodes.push(i === secondAt ? net.addNode(`n${i}`, undefined, [second]) : net.addNode(`n${i}`));
  const pairs = [[0, 1], [1, 2], [3, 4], [4, 5], [0, 3], [1, 4], [2, 5]];
  for (let i = 0; i < pairs.length; i++) {
    const [a, b] = pairs[i];
    net.link(`l${a}${b}`, [nodes[a], nodes[b]], losses[i], 2, 1);
  }
  net.link("shared", [nodes[0], nodes[2], nodes[4]], sharedLoss, 1, 0.5);
  const wire: string[] = [];
  net.tap = (from, to, b) => { wire.push(`${from.name}>${to}:${toHex(b)}`); };
  for (const n of nodes) { net.start(n); net.runFor(15); }
  return { net, nodes, wire };
}
