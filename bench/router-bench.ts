// Router-class tunnel speed (issue 11): the mipsel OpenWrt build under
// `qemu-mipsel-static -cpu 24Kc` (the FPU-less core of ath79/ramips routers,
// soft-float build) next to the x86_64 OpenWrt build, same run, same
// scenarios: 1 hop clean and 3 hops at 10% loss per link, uncapped links (the
// CPU is the limit), 4 MiB through `msp connect/listen --forward`. Prints
// goodput, CPU ms per MiB of the daemons and of the two msp processes (for
// the qemu run that is the emulator's CPU time: emulation speed, in the range
// of a 580-800 MHz 24Kc, not a router measurement), and mipsel/x86_64 ratios.
// Run as root: make router-bench  (or: node demo/run.mjs bench/router-bench.ts;
// ROUTER_BENCH_BYTES=N, ROUTER_BENCH_PICK=0,1 (2: 3 hops clean), ROUTER_BENCH_X86=path to another
// x86_64 binary, e.g. out/servald; ROUTER_BENCH_MIPSEL=path to another mipsel one;
// ROUTER_BENCH_ONLY=mipsel|x86_64).
// ROUTER_BENCH_MODES=msp,daemon runs each scenario through msp processes AND
// through tunnels hosted by the daemons (tunnels.N.* keys, no msp process;
// default: msp only). ROUTER_BENCH_RSS=1 first measures idle RSS (VmRSS) of
// a daemon with 0, 1 and 4 daemon-hosted tunnels, and of an idle
// `msp listen --forward` and `msp connect --forward` (what a tunnel cost as a
// process). Under qemu that is the emulator's RSS (its own code and
// translation cache included): compare the per-tunnel differences there.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const BYTES = Number(process.env.ROUTER_BENCH_BYTES ?? 4 << 20);
const SCENARIOS = [
  { name: "1 hop, 0% loss", hops: 1, loss: 0, capped: false },
  { name: "3 hops, 10% loss/link", hops: 3, loss: 0.1, capped: false },
  // Only when picked (ROUTER_BENCH_PICK=2): splits "3 hops" from "10% loss".
  { name: "3 hops, 0% loss", hops: 3, loss: 0, capped: false },
];
const DEFAULT_PICK = [0, 1];

const MODES = (process.env.ROUTER_BENCH_MODES ?? "msp").split(",") as Array<"msp" | "daemon">;

interface RssRow { build: string; daemon0: number; daemon1: number; daemon4: number; mspListen: number; mspConnect: number }
interface Result { build: string; mode: string; scenario: string; mbit: number; ok: boolean; bytes: number; timedOut: boolean; seconds: number; daemonMs: number; mspMs: number; busiest: string; daemonMb: number; mspMb: number }

if (process.env.ROUTER_BENCH_CHILD) {
  // One build: SERVALD_BIN is read when the mesh helpers load, so each build runs in its own process.
  const { runTunnel } = await import("./tunnel-run");
  const pick = process.env.ROUTER_BENCH_PICK?.split(",").map(Number) ?? DEFAULT_PICK;
  if (process.env.ROUTER_BENCH_RSS) console.log(`RSS ${JSON.stringify({ build: process.env.ROUTER_BENCH_CHILD, ...(await idleRss()) })}`);
  for (const [i, s] of SCENARIOS.entries()) {
    if (!pick.includes(i)) continue;
    for (const mode of MODES) {
      const r = await runTunnel(s, { bytes: BYTES, kernel: false, timeoutMs: 900_000, family: "svrbench", mode });
      const res: Result = {
        build: process.env.ROUTER_BENCH_CHILD, mode, scenario: s.name, mbit: r.tunnelMbit, ok: r.tunnelOk, bytes: r.tunnelBytes, timedOut: r.tunnelTimedOut, seconds: r.tunnelS,
        daemonMs: r.daemonCpuMsPerMiB, mspMs: r.mspCpuMsPerMiB, busiest: r.busiestDaemon, daemonMb: r.daemonHwmKb / 1024, mspMb: r.mspHwmKb / 1024,
      };
      console.log(`ROW ${JSON.stringify(res)}`);
      if (!r.tunnelOk) console.error(`${res.build}, ${s.name}: ${r.tunnelBytes} of ${BYTES} bytes${r.tunnelTimedOut ? ", timed out" : ""}; ${r.mspStderr}`);
    }
  }
  process.exit(0);
}

/** Idle VmRSS (MB) of n0's daemon with 0, 1 and 4 hosted tunnels, and of idle msp tunnel processes. */
async function idleRss(): Promise<Omit<RssRow, "build">> {
  const { meshLine, msp, setDaemonTunnels, tcpListening } = await import("../test/helpers/mesh");
  const { readFileSync } = await import("node:fs");
  const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
  const settle = () => new Promise((r) => setTimeout(r, 3000));
  const L = await meshLine("svrss", 2);
  try {
    const [a, b] = [L.nodes[0]!, L.nodes[1]!];
    const pid = L.mesh.daemons.get(a)!.proc.pid;
    await settle();
    const daemon0 = rss(pid);
    await setDaemonTunnels(L.mesh, a, [{ mode: "listen", mdp_port: "600", tcp_port: "7001" }], /forwarding MDP port 600/);
    await settle();
    const daemon1 = rss(pid);
    await setDaemonTunnels(L.mesh, a, [
      { mode: "listen", mdp_port: "600", tcp_port: "7001" }, { mode: "listen", mdp_port: "601", tcp_port: "7002", service: "web" },
      { mode: "connect", mdp_port: "600", tcp_port: "7003", sid: L.sids[1]! }, { mode: "connect", mdp_port: "601", tcp_port: "7004", sid: L.sids[1]! },
    ], /forwarding 127\.0\.0\.1:7004/);
    await settle();
    const daemon4 = rss(pid);
    const ls = msp(L, a, ["listen", "--forward=7011", "610"]);
    const c = msp(L, b, ["connect", "--forward=7012", L.sids[0]!, "610"]);
    await tcpListening(c, 7012, 60_000);
    await settle();
    const r = { daemon0, daemon1, daemon4, mspListen: rss(ls.pid), mspConnect: rss(c.pid) };
    await ls.kill();
    await c.kill();
    return r;
  } finally {
    await L.close();
  }
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
function make(args: string[]): void {
  const r = spawnSync("make", ["--no-print-directory", ...args], { cwd: repo, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`make ${args.join(" ")} failed`);
}
const mipsel = process.env.ROUTER_BENCH_MIPSEL ? resolve(process.env.ROUTER_BENCH_MIPSEL) : join(repo, "out/cross/mipsel/servald");
const only = process.env.ROUTER_BENCH_ONLY;
if (!process.env.ROUTER_BENCH_MIPSEL && only !== "x86_64") make(["cross", "CROSS=mipsel"]);
const x86 = process.env.ROUTER_BENCH_X86 ? resolve(process.env.ROUTER_BENCH_X86) : join(repo, "out/cross/x86_64/servald");
if (!process.env.ROUTER_BENCH_X86 && only !== "mipsel") make(["cross", "CROSS=x86_64"]);

const scratch = mkdtempSync(join(tmpdir(), "router-bench-"));
const wrapper = join(scratch, "servald-24kc");
// SOFTFP_COUNTS is passed on (the daemons' environment is the mesh's own): an
// instrumented build (bench/softfp-count.sh) appends its soft-float call counts there.
const counts = process.env.SOFTFP_COUNTS ? `SOFTFP_COUNTS='${process.env.SOFTFP_COUNTS}' ` : "";
writeFileSync(wrapper, `#!/bin/sh\n${counts}exec qemu-mipsel-static -cpu 24Kc '${mipsel}' "$@"\n`);
chmodSync(wrapper, 0o755);
const builds = [
  { label: `mipsel qemu -cpu 24Kc${process.env.ROUTER_BENCH_MIPSEL ? ` ${mipsel.replace(`${repo}/`, "")}` : ""}`, bin: wrapper },
  { label: `x86_64 ${x86.replace(`${repo}/`, "")}`, bin: x86 },
];

console.log(`router bench: ${BYTES / (1 << 20)} MiB per transfer, uncapped links; load average at start ${load()} (${process.env.BENCH_NOTE ?? "machine shared with other jobs"})`);
const results: Result[] = [];
const rssRows: RssRow[] = [];
try {
  for (const b of builds) {
    if (only && !b.label.startsWith(only)) continue;
    const r = spawnSync(process.execPath, [process.argv[1]!], {
      env: { ...process.env, ROUTER_BENCH_CHILD: b.label, SERVALD_BIN: b.bin }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20,
    });
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("ROW ")) results.push(JSON.parse(line.slice(4)) as Result);
      if (line.startsWith("RSS ")) rssRows.push(JSON.parse(line.slice(4)) as RssRow);
    }
    if (r.status !== 0) console.log(`${b.label}: exited ${r.status}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "-");
if (rssRows.length > 0) {
  console.log("\n| build | idle daemon RSS MB: 0 tunnels | 1 tunnel | 4 tunnels | per tunnel (4) | idle msp listen / connect process MB |");
  console.log("|---|---:|---:|---:|---:|---|");
  for (const r of rssRows) {
    console.log(`| ${r.build} | ${f(r.daemon0, 2)} | ${f(r.daemon1, 2)} | ${f(r.daemon4, 2)} | ${f((r.daemon4 - r.daemon0) / 4, 2)} | ${f(r.mspListen, 2)} / ${f(r.mspConnect, 2)} |`);
  }
}
console.log("\n| scenario | build | goodput Mbit/s | CPU ms/MiB daemons | CPU ms/MiB msp | CPU ms/MiB total | busiest daemon | peak RSS daemon / msp MB |");
console.log("|---|---|---:|---:|---:|---:|---|---|");
for (const r of results) {
  console.log(`| ${r.scenario} | ${r.build}${r.mode === "daemon" ? ", daemon-hosted tunnels" : ", msp processes"} | ${f(r.mbit, 2)}${r.ok ? "" : ` (FAILED: ${r.bytes} bytes${r.timedOut ? ", timed out" : ""})`} | ${f(r.daemonMs)} | ${f(r.mspMs)} | ${f(r.daemonMs + r.mspMs)} | ${r.busiest} | ${f(r.daemonMb, 1)} / ${f(r.mspMb, 1)} |`);
}
for (const s of SCENARIOS) {
  for (const mode of MODES) {
    const [m, x] = [results.find((r) => r.mode === mode && r.scenario === s.name && r.build.startsWith("mipsel")), results.find((r) => r.mode === mode && r.scenario === s.name && r.build.startsWith("x86_64"))];
    if (m && x) console.log(`${s.name} (${mode}): mipsel/x86_64 goodput ${f(m.mbit / x.mbit, 3)}, CPU per MiB ${f((m.daemonMs + m.mspMs) / (x.daemonMs + x.mspMs), 1)}x`);
  }
  for (const b of builds) {
    const [p, d] = [results.find((r) => r.mode === "msp" && r.scenario === s.name && r.build === b.label), results.find((r) => r.mode === "daemon" && r.scenario === s.name && r.build === b.label)];
    if (p && d) console.log(`${s.name}, ${b.label}: daemon-hosted/msp-process CPU per MiB ${f((d.daemonMs + d.mspMs) / (p.daemonMs + p.mspMs), 2)}, goodput ${f(d.mbit / p.mbit, 2)}`);
  }
}
console.log(`load average at end ${load()}`);
