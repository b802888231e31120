// The luci-app-serval suites (test/unit/openwrt-luci-*.test.ts): build the
// real OpenWrt userland and, over it, the LuCI stack (ucode, rpcd, uhttpd,
// luci-base) from the sources in test/openwrt/luci/ (OPENWRT_LUCI; cached
// under .cache/openwrt-luci/), build the x86_64 serval-mesh ipk and the
// luci-app-serval ipk, and run a scenario in a throw-away LuCI root with a
// neighbour servald (test/openwrt/luci/run.sh).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const sources = resolve(repo, process.env.OPENWRT_LUCI ?? "test/openwrt/luci");
const userlandSources = resolve(repo, process.env.OPENWRT_USERLAND ?? "test/openwrt/userland");
const luciCache = join(repo, ".cache/openwrt-luci");

function sh(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd: repo, stdio: ["ignore", "inherit", "inherit"], env });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
}

const tarballs = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".tar.gz")).sort() : [];

/** Why the suite cannot run here (a plain message), or null. */
export function missing(): string | null {
  if (tarballs(sources).length === 0) return `no LuCI sources (NAME-COMMIT.tar.gz) in ${sources} (OPENWRT_LUCI)`;
  if (tarballs(userlandSources).length === 0) return `no OpenWrt userland sources in ${userlandSources} (OPENWRT_USERLAND)`;
  if (process.getuid?.() !== 0) return "needs root (unshare, mount, chroot)";
  return null;
}

export interface Prepared {
  files: string[];
  neighbour: string;
}

/** Builds (or reuses) the roots and the two packages. */
export function prepare(): Prepared {
  const cache = join(repo, ".cache/openwrt-userland");
  mkdirSync(cache, { recursive: true });
  sh("openwrt/build-userland.sh root", "flock", [join(cache, ".lock"), "bash", "openwrt/build-userland.sh", "root"]);
  // The LuCI root is rebuilt when its sources, its script or the userland root change.
  const h = createHash("sha256");
  for (const f of tarballs(sources)) h.update(f);
  h.update(readFileSync(join(sources, "build-luci.sh"), "utf8"));
  if (existsSync(join(cache, "root.stamp"))) h.update(readFileSync(join(cache, "root.stamp"), "utf8"));
  const want = h.digest("hex");
  const stamp = join(luciCache, "root.stamp");
  mkdirSync(luciCache, { recursive: true });
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== want || !existsSync(join(luciCache, "root/sbin/rpcd"))) {
    sh("build-luci.sh", "flock", [join(luciCache, ".lock"), "bash", join(sources, "build-luci.sh"), sources],
      { ...process.env, W: cache, LW: luciCache });
    writeFileSync(stamp, want);
  }
  const out = join(repo, "out/test/openwrt-luci");
  rmSync(out, { recursive: true, force: true });
  sh("make ipk luci-ipk", "make", ["-s", "--no-print-directory", "ipk", "luci-ipk", "ARCH=x86_64", `OWRT_OUT=${out}`]);
  return { files: readdirSync(out).map((f) => join(out, f)), neighbour: join(repo, "out/cross/x86_64/servald") };
}

export interface Running {
  /** The namespaces' PID 1 seen from here (for nsenter). */
  nspid: Promise<number>;
  /** The root's directory (chroot) once NSPID is known. */
  root(): string;
  /** Resolves when a line matching re has been printed. */
  waitFor(re: RegExp): Promise<void>;
  /** The whole transcript, once the scenario ended. */
  done: Promise<string>;
  /** The transcript so far. */
  text(): string;
}

/** Starts test/openwrt/luci/run.sh SCENARIO; the transcript goes to stdout as it comes. */
export function start(scenario: string, p: Prepared): Running {
  const child = spawn("bash", [join(repo, "test/openwrt/luci/run.sh"), scenario, p.neighbour, ...p.files], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters: { re: RegExp; wake: () => void }[] = [];
  const take = (b: Buffer): void => {
    const s = b.toString();
    text += s;
    process.stdout.write(s);
    for (const w of waiters.splice(0)) {
      if (w.re.test(text)) w.wake();
      else waiters.push(w);
    }
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  const done = new Promise<string>((ok, fail) => {
    child.on("error", fail);
    child.on("close", () => {
      for (const w of waiters.splice(0)) w.wake();
      ok(text);
    });
  });
  const waitFor = (re: RegExp): Promise<void> =>
    new Promise((wake) => (re.test(text) ? wake() : waiters.push({ re, wake })));
  const nspid = waitFor(/^NSPID \d+$/m).then(() => Number(/^NSPID (\d+)$/m.exec(text)?.[1]));
  const root = (): string => /^ROOT (\S+)$/m.exec(text)?.[1] ?? "";
  return { nspid, waitFor, done, text: () => text, root };
}

/** RESULT lines of a transcript, and every check the scenario files name. */
export function results(transcript: string, scenario: string): { got: Map<string, string>; expected: string[] } {
  const got = new Map<string, string>();
  for (const m of transcript.matchAll(/^RESULT (\S+) (PASS|FAIL.*)$/gm)) got.set(m[1], m[2]);
  const script = readFileSync(join(repo, `test/openwrt/luci/${scenario}.sh`), "utf8");
  const named = [...script.matchAll(/^\s*(?:check|res) ([a-z0-9.-]+) /gm)].map((m) => m[1]);
  return { got, expected: [...new Set(named)] };
}
