// Shared by the fault kit (test/fault/*.test.ts): how long each fault runs.
// CI runs the short setting (the whole kit in well under 2 minutes); a soak
// sets SERVAL_FAULT_SECONDS (the flood / garbage / fuzz durations, e.g. 90)
// and SERVAL_FAULT_SCALE (counts: race pairs, fuzz seeds, kills; e.g. 10).
import { resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);

/** The misbehaving local MDP client (Python: Node has no Unix datagram sockets). */
export const ABUSE = resolve(root, "test/fault/mdp-abuse.py");

/** Seconds a timed fault runs: SERVAL_FAULT_SECONDS, else the CI default. */
export function faultSeconds(ciDefault: number): number {
  const v = Number(process.env.SERVAL_FAULT_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : ciDefault;
}

/** A count (pairs, seeds, kills): the CI default times SERVAL_FAULT_SCALE. */
export function faultCount(ciDefault: number): number {
  const v = Number(process.env.SERVAL_FAULT_SCALE);
  return Math.max(1, Math.round(ciDefault * (Number.isFinite(v) && v > 0 ? v : 1)));
}
