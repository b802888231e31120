// Tunnel goodput vs kernel TCP through the same namespaces, same run (issue 4).
// For each line scenario: daemons on every node, IP forwarding with static
// routes, then a 4 MiB kernel TCP transfer last node -> n0 and the same
// transfer through `msp connect --forward` (last node) -> `msp listen
// --forward` (n0). Prints goodputs, ratios, CPU time per MiB and peak RSS
// (VmHWM) of the tunnel processes and daemons, from /proc.
// Run: make bench   (or: BENCH_ONLY=capped|uncapped, BENCH_PICK=0,2, BENCH_BYTES=N, BENCH_NO_KERNEL=1)
import { DELAY, RATE, Row, runTunnel, Scenario } from "./tunnel-run";

const SCENARIOS: Scenario[] = [
  { name: "1 hop, 0% loss", hops: 1, loss: 0, capped: true },
  { name: "3 hops, 5% loss/link", hops: 3, loss: 0.05, capped: true },
  { name: "5 hops, 10% loss/link", hops: 5, loss: 0.1, capped: true },
  { name: "1 hop, 0% loss", hops: 1, loss: 0, capped: false },
  { name: "3 hops, 5% loss/link", hops: 3, loss: 0.05, capped: false },
  { name: "5 hops, 10% loss/link", hops: 5, loss: 0.1, capped: false },
  { name: "5 hops, 20% loss/link", hops: 5, loss: 0.2, capped: false },
];
const BYTES = Number(process.env.BENCH_BYTES ?? 4 << 20);
const MIB = BYTES / (1 << 20);

const only = process.env.BENCH_ONLY;
const pick = process.env.BENCH_PICK ? process.env.BENCH_PICK.split(",").map(Number) : undefined;
const rows: Row[] = [];
console.log(`tunnel bench: ${MIB} MiB per transfer; capped links = ${RATE} Mbit/s tbf + ${DELAY} ms delay each way`);
for (const [i, s] of SCENARIOS.entries()) {
  if (pick && !pick.includes(i)) continue;
  if (only === "capped" && !s.capped) continue;
  if (only === "uncapped" && s.capped) continue;
  // BENCH_NO_KERNEL=1 skips the baseline (quick experiments; ratios then read NaN).
  const r = await runTunnel(s, { bytes: BYTES, kernel: !process.env.BENCH_NO_KERNEL, timeoutMs: 300_000, family: "svbench" });
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
