// Process and host helpers for the lab: run commands, find the repo, install
// missing tools, build the C helpers. Test-only code (Node host, root).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion. Throws (with stderr) on a non-zero exit unless
 * check is false. Resolves shortly after the command exits even if a daemon it
 * started still holds its stdout/stderr open (e.g. `servald start`).
 */
export function run(cmd: string, args: readonly string[], opts: { check?: boolean; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "", timedOut = false, settled = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => { if (stdout.length < 64 << 20) stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { if (stderr.length < 64 << 20) stderr += d; });
    child.stdin.on("error", () => undefined); // command did not read its input
    child.stdin.end(opts.input ?? "");
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, opts.timeoutMs ?? 60_000);
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (code !== 0 && opts.check !== false) {
        rej(new Error(`${cmd} ${args.join(" ")} exited ${code}${timedOut ? " (timeout)" : ""}: ${stderr.trim() || stdout.trim()}`));
      } else res({ code, stdout, stderr });
    };
    child.on("error", (e) => { stderr += String(e); finish(127); });
    child.on("close", (code, sig) => finish(code ?? (sig ? 128 : 1)));
    // Output still buffered in the pipes arrives within moments of the exit;
    // a pipe held open by a grandchild must not keep us waiting.
    child.on("exit", (code, sig) => setTimeout(() => finish(code ?? (sig ? 128 : 1)), 200));
  });
}

/** Synchronous variant for exit handlers; never throws. */
export function runSync(cmd: string, args: readonly string[]): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

let rootCache: string | undefined;

/** The repository root: $SERVAL_REPO (set by test/run.mjs), else the first parent of cwd or of this module holding test/lab/nfq-delay.c. */
export function repoRoot(): string {
  if (rootCache) return rootCache;
  const marker = join("test", "lab", "nfq-delay.c");
  const starts = [process.env.SERVAL_REPO, process.cwd()];
  try { starts.push(dirname(fileURLToPath(import.meta.url))); } catch { /* not a file URL */ }
  for (const start of starts) {
    if (!start) continue;
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, marker))) return (rootCache = dir);
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error("lab: cannot find the repository root (set SERVAL_REPO)");
}

export function labScript(name: string): string {
  return join(repoRoot(), "test", "lab", name);
}

function hasCommand(name: string): boolean {
  return runSync("sh", ["-c", `command -v ${name}`]).code === 0;
}

// Debian package providing each thing the lab needs.
const needs: ReadonlyArray<{ present: () => boolean; pkg: string }> = [
  { present: () => hasCommand("ip") && hasCommand("tc"), pkg: "iproute2" },
  { present: () => hasCommand("nft"), pkg: "nftables" },
  { present: () => hasCommand("iptables"), pkg: "iptables" },
  { present: () => hasCommand("ethtool"), pkg: "ethtool" },
  { present: () => hasCommand("ping"), pkg: "iputils-ping" },
  { present: () => hasCommand("gcc"), pkg: "gcc" },
  { present: () => hasCommand("sysctl"), pkg: "procps" },
  { present: () => existsSync("/usr/include/libnetfilter_queue/libnetfilter_queue.h"), pkg: "libnetfilter-queue-dev" },
];

let toolsChecked = false;

/** Installs (apt-get) whatever the lab needs and is missing. Must run as root. */
export function ensureTools(): void {
  if (toolsChecked) return;
  if (process.getuid?.() !== 0) throw new Error("lab: network namespaces need root");
  const missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length > 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    let r = install();
    if (r.status !== 0) {
      spawnSync("apt-get", ["update"], { env, stdio: "ignore" });
      r = install();
    }
    if (r.status !== 0) throw new Error(`lab: apt-get install ${missing.join(" ")} failed: ${r.stderr}`);
  }
  toolsChecked = true;
}

const helperLibs: Record<string, string[]> = {
  "nfq-delay": ["-lnetfilter_queue", "-lnfnetlink"],
  "pdeath": [],
  "udp-probe": [],
};

/** Path of a compiled C helper (out/lab/NAME), built from test/lab/NAME.c when missing or stale. */
export function helperBinary(name: keyof typeof helperLibs & string): string {
  const root = repoRoot();
  const src = join(root, "test", "lab", `${name}.c`);
  const bin = join(root, "out", "lab", name);
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return bin;
  ensureTools();
  mkdirSync(dirname(bin), { recursive: true });
  // Build to a private name, then rename: concurrent test processes never see a half-written binary.
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync("gcc", ["-O2", "-Wall", "-Wextra", "-o", tmp, src, ...(helperLibs[name] ?? [])], { stdio: ["ignore", "ignore", "pipe"] });
  renameSync(tmp, bin);
  return bin;
}

/** True while the process exists and is not a zombie (an exited child nobody reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
