// Namespace naming and the stale-namespace sweeper.
// A lab's namespaces are named FAMILY-PID-RAND-NODE (e.g. svlab-4242-k3x9-a):
// the creating pid lets a later run remove what a killed run left behind, and
// only namespaces of our family whose creator is dead are ever touched.
// Interface names never carry the prefix: veths are created directly inside
// their namespaces, so short names (v0a, v0b, ...) cannot collide between runs.
// Each namespace the lab creates also gets a marker file in REGISTRY (tmpfs,
// gone after a reboot like the namespaces): proof that a lab made it, so the
// sweeper can clean up after every family, not only its own.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pidAlive, runSync, sleep } from "./sys";

export const DEFAULT_FAMILY = "svlab";
export const REGISTRY = "/run/serval-lab";

export function registerNamespace(ns: string): void {
  mkdirSync(REGISTRY, { recursive: true });
  writeFileSync(join(REGISTRY, ns), `${process.pid}\n`);
}

export function unregisterNamespace(ns: string): void {
  rmSync(join(REGISTRY, ns), { force: true });
}

function registered(): string[] {
  try {
    return readdirSync(REGISTRY);
  } catch {
    return [];
  }
}

export function makePrefix(family: string = DEFAULT_FAMILY): string {
  if (!/^[a-z][a-z0-9]{0,11}$/.test(family)) throw new Error(`lab: bad family ${JSON.stringify(family)} (want [a-z][a-z0-9]{0,11})`);
  const rand = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, "0").slice(-4);
  return `${family}-${process.pid}-${rand}`;
}

/** The pid that created a namespace of this family (any family when omitted), or undefined when the name is not of that shape. */
export function creatorPid(ns: string, family?: string): number | undefined {
  const m = new RegExp(`^${family ?? "[a-z][a-z0-9]{0,11}"}-(\\d+)-[0-9a-z]{4}-[A-Za-z0-9_]+$`).exec(ns);
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

/**
 * Removes namespaces whose creating process is dead (left by killed runs):
 * those of `family` by name, and those of any family that carry a lab marker.
 * Returns their names. Namespaces of live runs and any other names are never touched.
 */
export async function sweepStale(family: string = DEFAULT_FAMILY): Promise<string[]> {
  const existing = new Set(listNamespaces());
  const marked = new Set(registered());
  const stale = [...existing].filter((ns) => {
    const pid = creatorPid(ns, marked.has(ns) ? undefined : family);
    return pid !== undefined && pid !== process.pid && !pidAlive(pid);
  });
  // Markers of namespaces that no longer exist (deleted by hand, or a crash between the two steps).
  for (const ns of marked) {
    const pid = creatorPid(ns);
    if (!existing.has(ns) && (pid === undefined || !pidAlive(pid))) unregisterNamespace(ns);
  }
  if (stale.length === 0) return stale;
  await killNamespaceProcesses(stale, 1000);
  for (const ns of stale) {
    runSync("ip", ["netns", "del", ns]);
    unregisterNamespace(ns);
  }
  return stale;
}
