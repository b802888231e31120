// CPU of the MDP core's control plane alone (no sockets, no daemon loop): a
// 5x5 (or ROWS x COLS) SimNet grid (test/helpers/sim-grid.ts) converges, then runs
// MESH_CORE_STEADY_S (default 120) simulated seconds of steady state: link
// state, ACK records, interface ticks, adverts. Platform-neutral:
// bench/mesh-core-cpu.sh runs it under quickjs-ng, as servald does, main
// against a change. Prints the steady traffic and a checksum of every byte
// sent; two trees whose behaviour is the same print the same line.
import { buildGrid, converged, runUntilPolled } from "../test/helpers/sim-grid";

declare const scriptArgs: string[] | undefined;
// MESH_CORE_ROWS / _COLS / _STEADY_S under Node; under quickjs-ng (no environment
// object) the same as arguments: qjs-run mesh-core-cpu.mjs ROWS COLS STEADY_S
const proc = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process;
const args = typeof scriptArgs === "undefined" ? [] : scriptArgs.slice(1);
const setting = (k: string, i: number, d: number): number => Number(proc?.env[k] ?? args[i] ?? d);
const rows = setting("MESH_CORE_ROWS", 0, 5), cols = setting("MESH_CORE_COLS", 1, 5);
const steadyMs = setting("MESH_CORE_STEADY_S", 2, 120) * 1000;

const grid = buildGrid(rows, cols, 125, 20);
// The SimNet asks every node for its next deadline twice per event; the daemon
// asks once per input (mesh-driver.ts). Each node's answer is kept until its
// next input, so the figure is the daemon's sequence: input, drain, one poll.
for (const sn of grid.nodes) {
  const node = sn.node;
  const poll = node.pollTimeout.bind(node);
  let cached: number | undefined, fresh = false;
  node.pollTimeout = () => {
    if (!fresh) { cached = poll(); fresh = true; }
    return cached;
  };
  const packet = node.handlePacket.bind(node), timeout = node.handleTimeout.bind(node);
  node.handlePacket = (now, ifIndex, from, bytes) => { fresh = false; packet(now, ifIndex, from, bytes); };
  node.handleTimeout = (now) => { fresh = false; timeout(now); };
}
const t = runUntilPolled(grid, () => converged(grid), 60_000);
if (t === undefined) throw new Error("grid did not converge");
grid.net.runFor(10_000);
let sum = 0, packets = 0, bytes = 0;
grid.net.tap = (_from, _to, b) => {
  packets++;
  bytes += b.length;
  for (let i = 0; i < b.length; i++) sum = (sum * 31 + b[i]) | 0;
};
/** (a named function: profiles of this bench keep the samples under it) */
function steadyState(): number {
  const t0 = Date.now();
  grid.net.runFor(steadyMs);
  return Date.now() - t0;
}
const ms = steadyState();
const n = rows * cols, s = steadyMs / 1000;
console.log(`${n} nodes, ${s} s steady: ${(packets / n / s).toFixed(2)} pkt/s/node, ${(bytes / n / s).toFixed(1)} B/s/node, ` +
  `checksum ${(sum >>> 0).toString(16)}; wall ${ms} ms`);
