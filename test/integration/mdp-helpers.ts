// Shared by the mdp-*.test.ts integration tests: servald daemons in lab
// namespaces, each with its own instance directory in a temp dir, stopped by
// PID; the client commands run inside the node's namespace.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Lab, LabProcess } from "../lab/index";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
/** The binary under test (SERVALD_BIN overrides, for trying a private build). */
export const SERVALD = process.env.SERVALD_BIN ?? resolve(root, "out/servald");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Daemon {
  node: string;
  dir: string;
  proc: LabProcess;
  sid: string;
  /** When the process was spawned. */
  startedAt: number;
  /** When it logged that its services are running. */
  upAt: number;
}

export class Mesh {
  readonly base = mkdtempSync(join(tmpdir(), "svmdp-"));
  readonly daemons = new Map<string, Daemon>();
  /** A command the daemons are started under (e.g. unshare for a time namespace). */
  launchPrefix: string[] = [];

  constructor(readonly lab: Lab) {}

  env(node: string): NodeJS.ProcessEnv {
    const dir = join(this.base, node);
    return { ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir };
  }

  /** Creates the instance (config + keyring) without starting the daemon; returns its SID. */
  async prepare(node: string, extraConf: Record<string, string> = {}): Promise<string> {
    const dir = join(this.base, node);
    const conf: Record<string, string> = { "interfaces.1.match": "v*", ...extraConf };
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, "serval.conf"), Object.entries(conf).map(([k, v]) => `${k}=${v}\n`).join(""));
    const r = await this.lab.exec(node, SERVALD, ["keyring", "add"], { env: this.env(node), check: false });
    if (r.code !== 0) throw new Error(`keyring add on ${node}: ${r.stderr}`);
    const m = /^sid:([0-9A-F]{64})$/m.exec(r.stdout);
    if (!m) throw new Error(`keyring add on ${node} printed ${JSON.stringify(r.stdout)}`);
    return m[1]!;
  }

  /** Starts `servald start foreground` in the node; resolves once its client socket answers. */
  async start(node: string, extraConf: Record<string, string> = {}): Promise<Daemon> {
    const sid = await this.prepare(node, extraConf);
    return this.launch(node, sid);
  }

  async launch(node: string, sid: string): Promise<Daemon> {
    const dir = join(this.base, node);
    const startedAt = Date.now();
    const [cmd, ...pre] = [...this.launchPrefix, SERVALD];
    const proc = this.lab.spawn(node, cmd!, [...pre, "start", "foreground"], { env: this.env(node), echo: process.env.MDP_ECHO ? node : undefined });
    const d: Daemon = { node, dir, proc, sid, startedAt, upAt: 0 };
    this.daemons.set(node, d);
    // The daemon logs this once its services (and so the client socket) are up.
    await proc.waitFor(/servald started/, { stream: "stderr", timeoutMs: 20_000 });
    d.upAt = Date.now();
    return d;
  }

  async stop(node: string): Promise<void> {
    const d = this.daemons.get(node);
    if (!d) return;
    await d.proc.kill("SIGTERM", 3000);
    this.daemons.delete(node);
  }

  cli(node: string, ...args: string[]) {
    return this.lab.exec(node, SERVALD, args, { env: this.env(node), check: false, timeoutMs: 120_000 });
  }

  /** Parsed `route print`: SID -> [flags, interface, next hop, prior hop]. */
  async routes(node: string): Promise<Map<string, string[]>> {
    const r = await this.cli(node, "route", "print");
    const out = new Map<string, string[]>();
    for (const line of r.stdout.split("\n").slice(2)) {
      const f = line.split(":");
      if (f.length === 5) out.set(f[0]!, f.slice(1));
    }
    return out;
  }

  async peers(node: string): Promise<string[]> {
    const r = await this.cli(node, "id", "peers");
    return r.stdout.split("\n").slice(2).filter((l) => /^[0-9A-F]{64}$/.test(l));
  }

  async cleanup(): Promise<void> {
    for (const n of [...this.daemons.keys()]) await this.stop(n);
    rmSync(this.base, { recursive: true, force: true });
  }

  daemonLog(node: string): string {
    return this.daemons.get(node)?.proc.stderr ?? "";
  }
}

/** Polls fn until it returns true; throws after timeoutMs. Returns elapsed ms. */
export async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timeout after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

export interface PingResult {
  transmitted: number;
  received: number;
  lines: string[];
  code: number | null;
  stdout: string;
}

export function parsePing(stdout: string, code: number | null): PingResult {
  const m = /(\d+) packets transmitted, (\d+) packets received/.exec(stdout);
  return {
    transmitted: m ? Number(m[1]) : 0,
    received: m ? Number(m[2]) : 0,
    lines: stdout.split("\n").filter((l) => /: seq=\d+ time=\d+ms hops=\d+/.test(l)),
    code,
    stdout,
  };
}

export async function ping(mesh: Mesh, from: string, sid: string, count: number, opts: string[] = []): Promise<PingResult> {
  const r = await mesh.cli(from, "mdp", "ping", ...opts, sid, String(count));
  return parsePing(r.stdout, r.code);
}

/** Resident set size (kB) and CPU time (ms) of a process, from /proc. */
export function procUsage(pid: number): { rssKb: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssKb: rss, cpuMs: (ticks * 1000) / 100 };
}
