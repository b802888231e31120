// Tunnel goodput vs kernel TCP through the same namespaces, same run (issue 4).
// For each line scenario: daemons on every node, IP forwarding with static
// routes, then a 4 MiB kernel TCP transfer last node -> n0 and the same
// transfer through `msp connect --forward` (last node) -> `msp listen
// --forward` (n0). Prints goodputs, ratios, CPU time per MiB and peak RSS
// (VmHWM) of the tunnel processes and daemons, from /proc.
// Run: make bench   (or: BENCH_ONLY=capped|uncapped, BENCH_PICK=0,2, BENCH_BYTES=N, BENCH_NO_KERNEL=1)
import { readFileSync } from "node:fs";
import { meshLine, msp, MeshLine } from "../test/helpers/mesh";

interface Scenario { name: string; hops: number; loss: number; capped: boolean }
const SCENARIOS: Scenario[] = [
  { name: "1 hop, 0% loss", hops: 1, loss: 0, capped: true },
  { name: "3 hops, 5% loss/link", hops: 3, loss: 0.05, capped: true },
  { name: "5 hops, 10% loss/link", hops: 5, loss: 0.1, capped: true },
  { name: "1 hop, 0% loss", hops: 1, loss: 0, capped: false },
  { name: "3 hops, 5% loss/link", hops: 3, loss: 0.05, capped: false },
  { name: "5 hops, 10% loss/link", hops: 5, loss: 0.1, capped: false },
  { name: "5 hops, 20% loss/link", hops: 5, loss: 0.2, capped: false },
];
const RATE = 10;
const DELAY = 5;
const BYTES = Number(process.env.BENCH_BYTES ?? 4 << 20);
const MIB = BYTES / (1 << 20);

interface Usage { cpuMs: number; hwmKb: number }
function usage(pid: number): Usage {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / 100, hwmKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) };
  } catch {
    return { cpuMs: NaN, hwmKb: NaN };
  }
}

interface Row {
  s: Scenario; kernelMbit: number; kernelTimedOut: boolean; tunnelMbit: number; tunnelOk: boolean; tunnelTimedOut: boolean; tunnelS: number;
  mspCpuMsPerMiB: number; daemonCpuMsPerMiB: number; busiestDaemon: string; mspHwmKb: number; daemonHwmKb: number;
}

async function run(s: Scenario): Promise<Row> {
  const link = s.capped ? { loss: s.loss, rateMbit: RATE, delayMs: DELAY } : { loss: s.loss };
  const L: MeshLine = await meshLine("svbench", s.hops + 1, link);
  try {
    const first = L.nodes[0]!, last = L.nodes[s.hops]!;
    await L.lab.enableForwarding();
    const timeoutMs = 300_000;
    // BENCH_NO_KERNEL=1 skips the baseline (quick experiments; ratios then read NaN).
    const k = process.env.BENCH_NO_KERNEL ? { goodputMbit: NaN, timedOut: false } : await L.lab.tcpTransfer(last, first, BYTES, { port: 5201, timeoutMs });
    const ls = msp(L, first, ["listen", "--forward=7001", "512"]);
    const c = msp(L, last, ["connect", "--forward=7002", L.sids[0]!, "512"]);
    await c.waitFor(/Forwarding from AF_INET/, { stream: "stderr" }).catch(() => new Promise((r) => setTimeout(r, 500)));
    const daemons = [...L.mesh.daemons.values()];
    const before = new Map(daemons.map((d) => [d.node, usage(d.proc.pid)]));
    const t = await L.lab.streamTransfer({ sink: { node: first, port: 7001, host: "127.0.0.1" }, source: { node: last, host: "127.0.0.1", port: 7002 }, bytes: BYTES, timeoutMs });
    const mspU = [usage(ls.pid), usage(c.pid)];
    const dU = daemons.map((d) => ({ node: d.node, u: usage(d.proc.pid), b: before.get(d.node)! }));
    const mib = t.receivedTotal / (1 << 20) || 1;
    const dCpu = dU.map((x) => x.u.cpuMs - x.b.cpuMs);
    const busiest = dU.reduce((a, x) => (x.u.cpuMs - x.b.cpuMs > a.u.cpuMs - a.b.cpuMs ? x : a));
    await c.kill();
    await ls.kill();
    return {
      s, kernelMbit: k.goodputMbit, kernelTimedOut: k.timedOut, tunnelMbit: t.goodputMbit, tunnelOk: t.allMatch, tunnelTimedOut: t.timedOut, tunnelS: t.seconds,
      mspCpuMsPerMiB: (mspU[0]!.cpuMs + mspU[1]!.cpuMs) / mib,
      daemonCpuMsPerMiB: dCpu.reduce((a, b) => a + b, 0) / mib,
      busiestDaemon: `${busiest.node} ${((busiest.u.cpuMs - busiest.b.cpuMs) / t.seconds / 10).toFixed(0)}%`,
      mspHwmKb: Math.max(mspU[0]!.hwmKb, mspU[1]!.hwmKb),
      daemonHwmKb: Math.max(...dU.map((x) => x.u.hwmKb)),
    };
  } finally {
    await L.close();
  }
}

const only = process.env.BENCH_ONLY;
const pick = process.env.BENCH_PICK ? process.env.BENCH_PICK.split(",").map(Number) : undefined;
const rows: Row[] = [];
console.log(`tunnel bench: ${MIB} MiB per transfer; capped links = ${RATE} Mbit/s tbf + ${DELAY} ms delay each way`);
for (const [i, s] of SCENARIOS.entries()) {
  if (pick && !pick.includes(i)) continue;
  if (only === "capped" && !s.capped) continue;
  if (only === "uncapped" && s.capped) continue;
  const r = await run(s);
  rows.push(r);
  const limit = s.capped ? RATE * (1 - s.loss) : NaN;
  const parts = [
    `${s.capped ? "capped  " : "uncapped"} ${s.name.padEnd(22)}`,
    `kernel ${r.kernelMbit.toFixed(2)}${r.kernelTimedOut ? " (timed out)" : ""} Mbit/s`,
    `tunnel ${r.tunnelMbit.toFixed(2)} Mbit/s (${r.tunnelS.toFixed(1)} s${r.tunnelOk ? ", sha256 ok" : r.tunnelTimedOut ? ", TIMED OUT" : ", MISMATCH"})`,
    `tunnel/kernel ${(r.tunnelMbit / r.kernelMbit).toFixed(2)}`,
    s.capped ? `tunnel/ARQ-limit(${limit.toFixed(1)}) ${(r.tunnelMbit / limit).toFixed(2)}` : "",
    `CPU ms/MiB: msp ${r.mspCpuMsPerMiB.toFixed(0)}, daemons ${r.daemonCpuMsPerMiB.toFixed(0)} (busiest ${r.busiestDaemon})`,
    `peak RSS: msp ${(r.mspHwmKb / 1024).toFixed(1)} MB, daemon ${(r.daemonHwmKb / 1024).toFixed(1)} MB`,
  ];
  console.log(parts.filter(Boolean).join(" | "));
}
