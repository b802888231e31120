// One tunnel measurement on a line of namespaces, shared by bench/tunnel-bench.ts
// and bench/router-bench.ts: daemons on every node, optionally a kernel TCP
// baseline (IP forwarding with static routes) through the same namespaces,
// then the same transfer through `msp connect --forward` (last node) ->
// `msp listen --forward` (n0), or (mode "daemon") through tunnels the two
// daemons host (tunnels.N.* keys, no msp process), with CPU time per MiB and
// peak RSS (VmHWM) of the tunnel processes and daemons, from /proc. The
// binary is SERVALD_BIN.
import { readFileSync } from "node:fs";
import { meshLine, msp, MeshLine, setDaemonTunnels, tcpListening } from "../test/helpers/mesh";
import type { LabProcess } from "../test/lab/index";

export interface Scenario { name: string; hops: number; loss: number; capped: boolean }

/** Capped links: this rate and delay each way. */
export const RATE = 10;
export const DELAY = 5;

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

export interface Row {
  s: Scenario; kernelMbit: number; kernelTimedOut: boolean; tunnelMbit: number; tunnelOk: boolean; tunnelTimedOut: boolean; tunnelS: number; tunnelBytes: number;
  /** When the transfer did not complete intact: the msp processes' last stderr lines. */
  mspStderr: string;
  mspCpuMsPerMiB: number; daemonCpuMsPerMiB: number; busiestDaemon: string; mspHwmKb: number; daemonHwmKb: number;
}

/**
 * TUNNEL_STATS=1: after the transfer, each daemon's CPU ms during it and its
 * nonzero `status --json` counters and drops (per-hop retransmissions,
 * resequencing, MSP counters), one STATS line per daemon on stderr.
 */
async function printStats(L: MeshLine, cpu: { node: string; cpuMs: number }[], seconds: number): Promise<void> {
  for (const { node, cpuMs } of cpu) {
    const r = await L.mesh.cli(node, "status", "--json");
    let j: { counters?: Record<string, number>; drops?: Record<string, number>; tunnels?: unknown[] } = {};
    try {
      j = JSON.parse(r.stdout) as typeof j;
    } catch {
      /* the line below says so */
    }
    const nz = (o: Record<string, number> | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== 0));
    if (!j.counters) console.error(`STATS ${node} status: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`);
    console.error(`STATS ${node} cpu ${cpuMs.toFixed(0)} ms over ${seconds.toFixed(1)} s ${JSON.stringify({ counters: nz(j.counters), drops: nz(j.drops), tunnels: j.tunnels })}`);
  }
}

export async function runTunnel(s: Scenario, o: { bytes: number; kernel: boolean; timeoutMs: number; family: string; mode?: "msp" | "daemon" }): Promise<Row> {
  const link = s.capped ? { loss: s.loss, rateMbit: RATE, delayMs: DELAY } : { loss: s.loss };
  const L: MeshLine = await meshLine(o.family, s.hops + 1, link);
  try {
    const first = L.nodes[0]!, last = L.nodes[s.hops]!;
    await L.lab.enableForwarding();
    const timeoutMs = o.timeoutMs;
    const k = o.kernel ? await L.lab.tcpTransfer(last, first, o.bytes, { port: 5201, timeoutMs }) : { goodputMbit: NaN, timedOut: false };
    let procs: LabProcess[] = [];
    if (o.mode === "daemon") {
      await setDaemonTunnels(L.mesh, first, [{ mode: "listen", mdp_port: "512", tcp_port: "7001" }], /forwarding MDP port 512/);
      await setDaemonTunnels(L.mesh, last, [{ mode: "connect", mdp_port: "512", tcp_port: "7002", sid: L.sids[0]! }], /forwarding 127\.0\.0\.1:7002/);
    } else {
      procs = [msp(L, first, ["listen", "--forward=7001", "512"]), msp(L, last, ["connect", "--forward=7002", L.sids[0]!, "512"])];
      await tcpListening(procs[1]!, 7002, 120_000);
    }
    const daemons = [...L.mesh.daemons.values()];
    const before = new Map(daemons.map((d) => [d.node, usage(d.proc.pid)]));
    const t = await L.lab.streamTransfer({ sink: { node: first, port: 7001, host: "127.0.0.1" }, source: { node: last, host: "127.0.0.1", port: 7002 }, bytes: o.bytes, timeoutMs });
    const mspU = procs.length > 0 ? procs.map((p) => usage(p.pid)) : [{ cpuMs: 0, hwmKb: 0 }, { cpuMs: 0, hwmKb: 0 }];
    const dU = daemons.map((d) => ({ node: d.node, u: usage(d.proc.pid), b: before.get(d.node)! }));
    if (process.env.TUNNEL_STATS) await new Promise((r) => setTimeout(r, 1500));
    if (process.env.TUNNEL_STATS) for (const n of [first, last]) console.error(`MSP ${n} ${L.mesh.daemonLog(n).split("\n").filter((l) => l.includes("msp stats:")).join(" | ")}`);
    if (process.env.TUNNEL_STATS) await printStats(L, dU.map((x) => ({ node: x.node, cpuMs: x.u.cpuMs - x.b.cpuMs })), t.seconds);
    const mib = t.receivedTotal / (1 << 20) || 1;
    const dCpu = dU.map((x) => x.u.cpuMs - x.b.cpuMs);
    const busiest = dU.reduce((a, x) => (x.u.cpuMs - x.b.cpuMs > a.u.cpuMs - a.b.cpuMs ? x : a));
    for (const p of procs) await p.kill();
    return {
      s, kernelMbit: k.goodputMbit, kernelTimedOut: k.timedOut, tunnelMbit: t.goodputMbit, tunnelOk: t.allMatch, tunnelTimedOut: t.timedOut, tunnelS: t.seconds,
      tunnelBytes: t.receivedTotal, mspStderr: t.allMatch ? "" : procs.length > 0 ? `listen: ${procs[0]!.stderr.slice(-400)} | connect: ${procs[1]!.stderr.slice(-400)}`
        : `daemons: ${L.mesh.daemonLog(first).slice(-400)} | ${L.mesh.daemonLog(last).slice(-400)}`,
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
