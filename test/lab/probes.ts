// UDP measurement helper built on udp-tool.mjs: datagrams sent from one node,
// counted at another (unicast or subnet broadcast).
import type { Lab } from "./lab";
import { labScript, sleep } from "./sys";

export interface UdpProbeResult {
  /** Datagrams the sender's sendto() accepted. */
  sent: number;
  /** sendto() failures (errno code -> count); loss must never show up here. */
  sendErrors: number;
  errorCodes: Record<string, number>;
  /** Distinct datagrams that arrived. */
  received: number;
  /** Datagrams the receiving namespace dropped because the socket buffer was full (should be 0). */
  rcvbufErrors: number;
}

/** Sends `count` datagrams (`burst` every `intervalMs`, default 4 per ms: paced so the receiver's backlog never overflows) from `from` to `to` (an address; a broadcast address needs broadcast: true) and counts those arriving at `receiver`. */
export async function udpProbe(lab: Lab, opts: { from: string; receiver: string; to: string; count: number; port?: number; size?: number; intervalMs?: number; burst?: number; broadcast?: boolean; graceMs?: number }): Promise<UdpProbeResult> {
  const port = String(opts.port ?? 4999);
  const recv = lab.spawnNode(opts.receiver, labScript("udp-tool.mjs"), ["recv", "--port", port, "--expect", String(opts.count), "--idle-ms", "60000", "--max-ms", String(opts.count * (opts.intervalMs ?? 1) * 3 + 20_000)]);
  try {
    await recv.waitFor(/^ready/m, { stream: "stdout" });
    const args = ["send", "--to", opts.to, "--port", port, "--count", String(opts.count), "--size", String(opts.size ?? 200), "--interval-ms", String(opts.intervalMs ?? 1), "--burst", String(opts.burst ?? 4)];
    if (opts.broadcast) args.push("--broadcast");
    const s = await lab.exec(opts.from, process.execPath, [labScript("udp-tool.mjs"), ...args], { timeoutMs: opts.count * (opts.intervalMs ?? 1) * 3 + 10_000 });
    const sent = JSON.parse(s.stdout.trim()) as { sent: number; errors: number; errorCodes: Record<string, number> };
    // Let stragglers arrive, then ask the receiver for its count (it prints on SIGTERM).
    await Promise.race([recv.exited, sleep(opts.graceMs ?? 500)]);
    if (recv.running) process.kill(recv.pid, "SIGTERM");
    await recv.exited;
    const got = JSON.parse(recv.stdout.trim().split("\n").pop() ?? "{}") as { distinct: number; rcvbufErrors: number };
    return { sent: sent.sent, sendErrors: sent.errors, errorCodes: sent.errorCodes, received: got.distinct, rcvbufErrors: got.rcvbufErrors };
  } finally {
    await recv.kill();
  }
}
