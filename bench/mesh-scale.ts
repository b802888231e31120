// Mesh size benchmark (issue 12): a ROWS x COLS grid of namespaces, one daemon
// each, a veth (own /24, no loss) to the right and lower neighbour, daemons
// started one after the other. Per size it prints: how long after the last
// start a corner-to-corner `mdp ping` is first answered, and a corner lists
// every node in `id peers`; then over a steady window (no user traffic, so all
// of it is control traffic; from convergence, and no sooner than MESH_SETTLE_S
// = 10 s after the last start) per node: CPU %, VmRSS, tx bytes/s and packets/s
// over its veths, and apart what the mesh spent before it (formation); then `kill -9` of the relay in the middle of the
// corner-to-corner route and the time until the corners' pings are answered
// again (a 100 ms ping stream; the first reply after the gap).
// With SERVAL_DNA_BIN set, the same run follows with Serval DNA (rhizome off),
// one after the other, never at the same time.
// Run: make bench-mesh   (= node demo/run.mjs bench/mesh-scale.ts; MESH_SIZES=10,25,50,100 MESH_STEADY_S=60 MESH_SETTLE_S=10)
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { Lab, LabProcess } from "../test/lab/index";
import { Mesh, SERVALD, sleep } from "../test/integration/mdp-helpers";
import { GRIDS, buildGridLab, gridName } from "./mesh-grid";

const SIZES = (process.env.MESH_SIZES ?? "10,25,50,100").split(",").map(Number);
const STEADY_S = Number(process.env.MESH_STEADY_S ?? 60);
/** The steady window starts once the mesh converged, and no sooner than this
 * many seconds after the last start: a mesh that converges at once is still
 * settling (the last joins' adverts and repeats, its neighbours' first full
 * adverts), and steady state is what the window measures. What the mesh spends
 * from the last start to the window is printed apart ("formation"). */
const SETTLE_S = Number(process.env.MESH_SETTLE_S ?? 10);
const IMPL = process.env.MESH_IMPL ?? "ours";

// cpuTicks: utime+stime; wakeups: context switches (voluntary: the process slept in poll and
// was woken by a timer or a packet; a load-robust count of how often it runs).
interface Proc { cpuTicks: number; rssKb: number; wakeups: number }
function procStat(pid: number): Proc {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const num = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { cpuTicks: Number(f[11]) + Number(f[12]), rssKb: num("VmRSS"), wakeups: num("voluntary_ctxt_switches") };
  } catch {
    return { cpuTicks: NaN, rssKb: NaN, wakeups: NaN };
  }
}

/** MESH_STRACE_S: after the steady window, `strace -c -f` one daemon (the grid's middle) for that long. */
async function straceSummary(pid: number, secs: number): Promise<string> {
  return new Promise<string>((res) => {
    const p = spawn("timeout", ["-s", "INT", String(secs), "strace", "-c", "-f", "-p", String(pid)]);
    let s = "";
    p.stderr.on("data", (d) => { s += d; });
    p.on("close", () => res(s));
  });
}

/** tx bytes and packets summed over a namespace's veths. */
async function txOf(lab: Lab, node: string): Promise<{ bytes: number; packets: number }> {
  const out = await new Promise<string>((res) => {
    const p = spawn("ip", ["-n", lab.ns(node), "-s", "-j", "link", "show"]);
    let s = "";
    p.stdout.on("data", (d) => { s += d; });
    p.on("close", () => res(s));
  });
  let bytes = 0, packets = 0;
  for (const l of JSON.parse(out || "[]") as { ifname: string; stats64?: { tx: { bytes: number; packets: number } } }[]) {
    if (!l.ifname.startsWith("v") || !l.stats64) continue;
    bytes += l.stats64.tx.bytes;
    packets += l.stats64.tx.packets;
  }
  return { bytes, packets };
}

async function pingOnce(mesh: Mesh, from: string, sid: string): Promise<boolean> {
  const r = await mesh.cli(from, "mdp", "ping", "--timeout=1", sid, "1");
  return /seq=/.test(r.stdout);
}

/** Arrival times of pong lines of a running `mdp ping` stream. */
function pongTimes(p: LabProcess, into: number[]): () => void {
  let seen = 0;
  const t = setInterval(() => {
    const lines = p.stdout.split("\n").filter((l) => /seq=/.test(l)).length;
    for (; seen < lines; seen++) into.push(Date.now());
  }, 10);
  return () => clearInterval(t);
}

interface Result {
  n: number; pingAfterS: number; peersAfterS: number; cpuPct: number; rssKb: number; txBps: number; txPps: number;
  /** From the last start to the steady window: how long, CPU %/node and tx packets/s/node. */
  formationS: number; formationCpuPct: number; formationPps: number;
  /** Voluntary context switches per second per node (wakeups from poll). */
  wakeupsPerS: number;
  reconvergeS: number; hops: number; relay: string;
}

/** Starts a daemon; Serval DNA logs no "servald started", so for it wait until `id self` answers. */
async function startNode(mesh: Mesh, node: string, conf: Record<string, string>): Promise<string> {
  if (IMPL !== "dna") return (await mesh.start(node, conf)).sid;
  const sid = await mesh.prepare(node, conf);
  const proc = mesh.lab.spawn(node, SERVALD, ["start", "foreground"], { env: mesh.env(node) });
  mesh.daemons.set(node, { node, dir: "", proc, sid, startedAt: Date.now(), upAt: 0 });
  for (let i = 0; i < 200; i++) {
    if ((await mesh.cli(node, "id", "self")).code === 0) return sid;
    await sleep(100);
  }
  throw new Error(`Serval DNA on ${node} did not answer id self within 20 s`);
}

async function runSize(n: number): Promise<Result> {
  const [rows, cols] = GRIDS[n] ?? [Math.round(Math.sqrt(n)), Math.ceil(n / Math.round(Math.sqrt(n)))];
  const lab = await Lab.create({ family: "svscale" });
  const mesh = new Mesh(lab);
  try {
    const name = gridName;
    await buildGridLab(lab, rows, cols);
    const conf: Record<string, string> = IMPL === "dna" ? { "rhizome.enable": "0" } : {};
    const sidOf = new Map<string, string>();
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sidOf.set(name(r, c), await startNode(mesh, name(r, c), conf));
    const allUp = Date.now();
    const nodes = [...sidOf.keys()];
    const daemons = nodes.map((x) => mesh.daemons.get(x)!);
    const pUp = daemons.map((d) => procStat(d.proc.pid));
    const txUp = await Promise.all(nodes.map((x) => txOf(lab, x)));
    const a = name(0, 0), z = name(rows - 1, cols - 1);
    const zSid = sidOf.get(z)!;
    let pingAt = NaN, peersAt = NaN;
    while (Date.now() - allUp < 180_000 && (Number.isNaN(pingAt) || Number.isNaN(peersAt))) {
      if (Number.isNaN(pingAt) && await pingOnce(mesh, a, zSid)) pingAt = Date.now();
      if (Number.isNaN(peersAt) && (await mesh.peers(a)).length >= n - 1) peersAt = Date.now();
      if (Number.isNaN(pingAt) || Number.isNaN(peersAt)) await sleep(200);
    }
    // Steady state (after SETTLE_S).
    if (Date.now() < allUp + SETTLE_S * 1000) await sleep(allUp + SETTLE_S * 1000 - Date.now());
    const tx0 = await Promise.all(nodes.map((x) => txOf(lab, x)));
    const p0 = daemons.map((d) => procStat(d.proc.pid));
    const t0 = Date.now();
    const formationS = (t0 - allUp) / 1000;
    await sleep(STEADY_S * 1000);
    const tx1 = await Promise.all(nodes.map((x) => txOf(lab, x)));
    const p1 = daemons.map((d) => procStat(d.proc.pid));
    const secs = (Date.now() - t0) / 1000;
    const hz = 100;
    const cpuPct = p1.reduce((s, p, i) => s + p.cpuTicks - p0[i]!.cpuTicks, 0) / hz / secs / n * 100;
    const rssKb = p1.reduce((s, p) => s + p.rssKb, 0) / n;
    const txBps = tx1.reduce((s, t, i) => s + t.bytes - tx0[i]!.bytes, 0) / secs / n;
    const txPps = tx1.reduce((s, t, i) => s + t.packets - tx0[i]!.packets, 0) / secs / n;
    const wakeupsPerS = p1.reduce((s, p, i) => s + p.wakeups - p0[i]!.wakeups, 0) / secs / n;
    const formationCpuPct = p0.reduce((s, p, i) => s + p.cpuTicks - pUp[i]!.cpuTicks, 0) / hz / formationS / n * 100;
    const formationPps = tx0.reduce((s, t, i) => s + t.packets - txUp[i]!.packets, 0) / formationS / n;
    if (process.env.MESH_STRACE_S) {
      const mid = name(Math.floor(rows / 2), Math.floor(cols / 2));
      console.error(`strace -c -f of ${mid} (${IMPL}) for ${process.env.MESH_STRACE_S} s:\n` +
        await straceSummary(mesh.daemons.get(mid)!.proc.pid, Number(process.env.MESH_STRACE_S)));
    }
    // The corner-to-corner route, from `route print` next hops.
    const bySid = new Map([...sidOf].map(([k, v]) => [v, k]));
    const path = [a];
    for (let cur = a; cur !== z && path.length < 64;) {
      // (Serval DNA's `route print` sometimes comes back without the row: ask again.)
      let hop: string | undefined;
      for (let tries = 0; tries < 10 && !hop; tries++) {
        hop = (await mesh.routes(cur)).get(zSid)?.[2];
        if (!hop) await sleep(300);
      }
      const next = hop && hop !== "" ? bySid.get(hop) ?? z : z;
      path.push(next);
      cur = next;
    }
    // A corner-to-corner route is never one hop: without next hops, kill the grid's middle node.
    const relay = path.length > 2 ? path[Math.floor(path.length / 2)]! : name(Math.floor(rows / 2), Math.floor(cols / 2));
    // Kill it under a 100 ms ping stream; reconverged = first reply after the gap.
    const pinger = lab.spawn(a, SERVALD, ["mdp", "ping", "--interval=0.1", "--timeout=1", zSid, "0"], { env: mesh.env(a) });
    const arrivals: number[] = [];
    const stop = pongTimes(pinger, arrivals);
    await pinger.waitFor(/seq=/, { timeoutMs: 20_000 }).catch(() => undefined);
    await sleep(1000);
    const killedAt = Date.now();
    await mesh.daemons.get(relay)!.proc.kill("SIGKILL", 1000);
    let reconvergeS = NaN;
    while (Date.now() - killedAt < 60_000) {
      await sleep(100);
      const after = arrivals.filter((t) => t > killedAt);
      // Replies in flight at the kill arrive within a few ms; then the gap.
      const resumed = after.find((t, i) => (i === 0 ? t - killedAt : t - after[i - 1]!) > 300);
      if (resumed !== undefined) { reconvergeS = (resumed - killedAt) / 1000; break; }
      if (after.length > 15 && after[0]! - killedAt < 300) { reconvergeS = 0; break; } // no gap at all
    }
    stop();
    await pinger.kill("SIGTERM", 1000);
    mesh.daemons.delete(relay);
    return {
      n, pingAfterS: (pingAt - allUp) / 1000, peersAfterS: (peersAt - allUp) / 1000, cpuPct, rssKb, txBps, txPps, wakeupsPerS,
      formationS, formationCpuPct, formationPps,
      reconvergeS, hops: path.length - 1, relay,
    };
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
}

const f = (x: number | null, d = 1) => (x === null || Number.isNaN(x) ? "never" : x.toFixed(d));
if (process.env.MESH_CHILD) {
  for (const n of SIZES) console.log(`RESULT ${JSON.stringify(await runSize(n))}`);
} else {
  // Each implementation in its own process (SERVALD_BIN picks the binary), one after the other.
  // MESH_BASE_BIN: a second build of ours (e.g. before a change), run as "base" in the same run.
  const impls: [string, string][] = [["ours", SERVALD]];
  if (process.env.MESH_BASE_BIN) impls.push(["base", process.env.MESH_BASE_BIN]);
  if (process.env.SERVAL_DNA_BIN) impls.push(["dna", process.env.SERVAL_DNA_BIN]);
  const results = new Map<string, Map<number, Result>>();
  for (const [impl, bin] of impls) {
    const m = new Map<number, Result>();
    results.set(impl, m);
    for (const n of SIZES) {
      const loadBefore = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
      const out = await new Promise<string>((res) => {
        const p = spawn(process.execPath, [process.argv[1]!], {
          env: { ...process.env, MESH_CHILD: "1", MESH_IMPL: impl, MESH_SIZES: String(n), SERVALD_BIN: bin },
          stdio: ["ignore", "pipe", "inherit"],
        });
        let s = "";
        p.stdout.on("data", (d) => { s += d; });
        p.on("close", () => res(s));
      });
      const line = /^RESULT (.*)$/m.exec(out);
      if (!line) { console.log(`${impl} N=${n}: no result`); continue; }
      const r = JSON.parse(line[1]!) as Result;
      console.log(line[0]);
      m.set(n, r);
      console.log(`${impl} N=${n}: ping after ${f(r.pingAfterS)} s, all peers after ${f(r.peersAfterS)} s, CPU ${r.cpuPct.toFixed(2)} %/node, ` +
        `${r.wakeupsPerS.toFixed(1)} wakeups/s/node, RSS ${(r.rssKb / 1024).toFixed(1)} MB, tx ${r.txBps.toFixed(0)} B/s/node (${r.txPps.toFixed(1)} pkt/s), ` +
        `kill -9 ${r.relay} (middle of ${r.hops} hops): reconverged ${f(r.reconvergeS, 2)} s; ` +
        `formation (last start to the window, ${r.formationS.toFixed(1)} s): CPU ${r.formationCpuPct.toFixed(2)} %/node, ${r.formationPps.toFixed(1)} pkt/s/node; ` +
        `load ${loadBefore} before, ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} after`);
    }
  }
  console.log(`\nsteady window ${STEADY_S} s, from convergence or ${SETTLE_S} s after the last start, whichever is later; ${readFileSync("/proc/loadavg", "utf8").trim()} (loadavg at the end)`);
  console.log("| N (grid) | ours: ping after | ours CPU %/node | ours tx B/s/node (pkt/s) | ours reconverge | Serval DNA: ping after | DNA CPU %/node | DNA tx B/s/node (pkt/s) | DNA reconverge |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const n of SIZES) {
    const cells = (r: Result | undefined) => r
      ? [`${f(r.pingAfterS)} s`, r.cpuPct.toFixed(2), `${r.txBps.toFixed(0)} (${r.txPps.toFixed(0)})`, `${f(r.reconvergeS)} s`]
      : ["", "", "", ""];
    const [rr, cc] = GRIDS[n] ?? [0, 0];
    console.log(`| ${n} (${rr}x${cc}) | ${[...cells(results.get("ours")?.get(n)), ...cells(results.get("dna")?.get(n))].join(" | ")} |`);
  }
  const base = results.get("base");
  if (base) {
    console.log("\nMESH_BASE_BIN (base) against ours, same run:");
    for (const n of SIZES) {
      const o = results.get("ours")?.get(n), b = base.get(n);
      if (o && b) console.log(`N=${n}: tx ours ${o.txBps.toFixed(0)} B/s/node (${o.txPps.toFixed(1)} pkt/s), base ${b.txBps.toFixed(0)} (${b.txPps.toFixed(1)}): ours/base ${(o.txBps / b.txBps).toFixed(2)}`);
    }
  }
}
