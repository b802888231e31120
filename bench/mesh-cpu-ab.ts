// Steady-state CPU of two (or more) builds of servald at the same N, measured
// side by side: one ROWS x COLS grid of namespaces per build (a veth with its
// own /24 to the right and lower neighbour, as bench/mesh-scale.ts), all grids
// running AT THE SAME TIME, so the load of a shared machine falls on every
// build alike (the sequential bench/mesh-scale.ts runs of one build differ by
// ~20 % on a busy machine; two grids of the same build here by ~3 %). After
// AB_SETTLE_S seconds, per window: utime+stime (/proc) of all daemons of each
// grid, % CPU per node, wakeups (voluntary context switches) per second per
// node, and each build's ratio to the first.
//   AB_BINS=main=/path/servald,new=/path/servald AB_N=25 node demo/run.mjs bench/mesh-cpu-ab.ts
//   (AB_N: 9, 10, 25, 50 or 100; AB_SETTLE_S=20 AB_WINDOWS=3 AB_WIN_S=20;
//    AB_PROF=name AB_PROF_DIR=dir: that build is a JS-profiler build (bench/jsprof-build.sh),
//    its SERVALD_JSPROF files are emptied when the first window starts: steady state only)
import { readFileSync, mkdirSync, writeFileSync, mkdtempSync, truncateSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Lab, LabProcess } from "../test/lab/index";
import { GRIDS, buildGridLab, gridName } from "./mesh-grid";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bins = (process.env.AB_BINS ?? "").split(",").filter((s) => s.includes("=")).map((s) => s.split("=") as [string, string]);
if (bins.length === 0) {
  console.error("mesh-cpu-ab: set AB_BINS=name=/path/to/servald[,name=/path...]");
  process.exit(2);
}
const N = Number(process.env.AB_N ?? 25);
if (!GRIDS[N]) {
  console.error(`mesh-cpu-ab: AB_N must be one of ${Object.keys(GRIDS).join(", ")}`);
  process.exit(2);
}
const [rows, cols] = GRIDS[N]!;
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

function stat(pid: number): { ticks: number; wakeups: number } {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    const w = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { ticks: Number(f[11]) + Number(f[12]), wakeups: Number(w?.[1] ?? NaN) };
  } catch {
    return { ticks: NaN, wakeups: NaN };
  }
}

interface Grid { name: string; lab: Lab; procs: LabProcess[] }
const grids: Grid[] = [];
try {
  for (const [name, bin] of bins) {
    const lab = await Lab.create({ family: `ab${grids.length}` });
    const base = mkdtempSync(join(tmpdir(), "svab-"));
    const g: Grid = { name, lab, procs: [] };
    grids.push(g);
    const nm = gridName;
    await buildGridLab(lab, rows, cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const node = nm(r, c);
        const dir = join(base, node);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(join(dir, "serval.conf"), "interfaces.1.match=v*\n");
        const env: NodeJS.ProcessEnv = { ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir };
        if (process.env.AB_PROF_DIR && process.env.AB_PROF === name) env.SERVALD_JSPROF = join(process.env.AB_PROF_DIR, "p");
        else delete env.SERVALD_JSPROF;
        const k = await lab.exec(node, bin, ["keyring", "add"], { env, check: false });
        if (k.code !== 0) throw new Error(`keyring add on ${node} (${name}): ${k.stderr}`);
        const p = lab.spawn(node, bin, ["start", "foreground"], { env });
        g.procs.push(p);
        await p.waitFor(/servald started/, { stream: "stderr", timeoutMs: 20_000 });
      }
    }
    console.log(`${name}: ${N} daemons up (${rows}x${cols}, ${bin})`);
  }
  await sleep(Number(process.env.AB_SETTLE_S ?? 20) * 1000);
  if (process.env.AB_PROF_DIR) for (const f of readdirSync(process.env.AB_PROF_DIR)) truncateSync(join(process.env.AB_PROF_DIR, f), 0);
  const total = grids.map(() => 0);
  let totalS = 0;
  for (let w = 0; w < Number(process.env.AB_WINDOWS ?? 3); w++) {
    const t0 = Date.now();
    const s0 = grids.map((g) => g.procs.map((p) => stat(p.pid)));
    await sleep(Number(process.env.AB_WIN_S ?? 20) * 1000);
    const s1 = grids.map((g) => g.procs.map((p) => stat(p.pid)));
    const secs = (Date.now() - t0) / 1000;
    totalS += secs;
    const parts = grids.map((g, i) => {
      const ticks = s1[i]!.reduce((a, x, j) => a + x.ticks - s0[i]![j]!.ticks, 0);
      const wakes = s1[i]!.reduce((a, x, j) => a + x.wakeups - s0[i]![j]!.wakeups, 0);
      total[i]! += ticks;
      return `${g.name} ${(ticks / secs / N).toFixed(3)} %/node (${ticks} ticks, ${(wakes / secs / N).toFixed(1)} wakeups/s/node)`;
    });
    console.log(`window ${w}: ${parts.join("  ")}  load ${load()}`);
  }
  console.log(`total over ${totalS.toFixed(0)} s: ${grids.map((g, i) => `${g.name} ${(total[i]! / totalS / N).toFixed(3)} %/node` +
    (i > 0 ? ` (${(total[i]! / total[0]!).toFixed(2)} x ${grids[0]!.name})` : "")).join("  ")}`);
} finally {
  for (const g of grids) {
    for (const p of g.procs) await p.kill("SIGTERM", 2000).catch(() => undefined);
    await g.lab.cleanup();
  }
}
