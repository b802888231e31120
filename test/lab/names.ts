// Namespace naming and the stale-namespace sweeper.
// A lab's namespaces are named FAMILY-PID-RAND-NODE (e.g. svlab-4242-k3x9-a):
// the creating pid lets a later run remove what a killed run left behind, and
// only namespaces of our family whose creator is dead are ever touched.
// Interface names never carry the prefix: veths are created directly inside
// their namespaces, so short names (v0a, v0b, ...) cannot collide between runs.
import { randomBytes } from "node:crypto";
import { pidAlive, runSync, sleep } from "./sys";

export const DEFAULT_FAMILY = "svlab";

export function makePrefix(family: string = DEFAULT_FAMILY): string {
  if (!/^[a-z][a-z0-9]{0,11}$/.test(family)) throw new Error(`lab: bad family ${JSON.stringify(family)} (want [a-z][a-z0-9]{0,11})`);
  const rand = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, "0").slice(-4);
  return `${family}-${process.pid}-${rand}`;
}

/** The pid that created a namespace of this family, or undefined when the name is not ours. */
export function creatorPid(ns: string, family: string = DEFAULT_FAMILY): number | undefined {
  const m = new RegExp(`^${family}-(\\d+)-[0-9a-z]{4}-[A-Za-z0-9_]+$`).exec(ns);
  return m ? Number(m[1]) : undefined;
}

export function listNamespaces(): string[] {
  const r = runSync("ip", ["netns", "list"]);
  return r.stdout.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n.length > 0);
}

/** Pids of processes inside a namespace (all of them were started by a lab). */
export function namespacePids(ns: string): number[] {
  return runSync("ip", ["netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 1 && p !== process.pid);
}

/** Ends every process inside the given namespaces: SIGTERM, then SIGKILL after graceMs. */
export async function killNamespaceProcesses(namespaces: readonly string[], graceMs: number): Promise<void> {
  const pids = namespaces.flatMap(namespacePids);
  for (const p of pids) signal(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pids.some(pidAlive) && Date.now() < deadline) await sleep(20);
  for (const p of pids) if (pidAlive(p)) signal(p, "SIGKILL");
}

export function killNamespaceProcessesSync(namespaces: readonly string[]): void {
  const pids = namespaces.flatMap(namespacePids);
  for (const p of pids) signal(p, "SIGTERM");
  const deadline = Date.now() + 500;
  while (pids.some(pidAlive) && Date.now() < deadline) runSync("sleep", ["0.02"]);
  for (const p of pids) if (pidAlive(p)) signal(p, "SIGKILL");
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

/** Removes namespaces of this family whose creating process is dead (left by killed runs). Returns their names. */
export async function sweepStale(family: string = DEFAULT_FAMILY): Promise<string[]> {
  const stale = listNamespaces().filter((ns) => {
    const pid = creatorPid(ns, family);
    return pid !== undefined && pid !== process.pid && !pidAlive(pid);
  });
  if (stale.length === 0) return stale;
  await killNamespaceProcesses(stale, 1000);
  for (const ns of stale) runSync("ip", ["netns", "del", ns]);
  return stale;
}
